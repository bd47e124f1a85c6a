/// TLS settings for an `mqtts://` connection.
///
/// Files are PEM, as libmosquitto reads them. Without `caFile` the system's trust store is used
/// (`MOSQ_OPT_TLS_USE_OS_CERTS`), which suits a broker with a publicly signed certificate.
public struct MQTTTLS: Sendable, Hashable {
    /// PEM file of the certificate authority (or authorities) that signed the broker's certificate.
    public var caFile: String?
    /// PEM client certificate, for brokers that authenticate clients by certificate.
    public var certFile: String?
    /// PEM private key of `certFile`; unencrypted, since nobody is there to type a passphrase.
    public var keyFile: String?
    /// When false, neither the certificate chain nor the host name is checked. Only for a
    /// test bench: it gives up the protection TLS exists for.
    public var verifyPeer: Bool = true

    /// Creates TLS settings; the defaults verify the broker against the system trust store.
    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, verifyPeer: Bool = true) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.verifyPeer = verifyPeer
    }
}
