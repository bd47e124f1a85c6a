#if canImport(Glibc)
import Glibc
#endif

/// A throw-away certificate authority and a server certificate it signed, made with
/// `/usr/bin/openssl` when a test runs (nothing secret is ever committed), for TLS tests
/// against a real mosquitto on the loopback interface.
///
/// The server certificate names `127.0.0.1` and `localhost` in its subjectAltName, so a client
/// that verifies the broker (the default) accepts it when it trusts `caCertificate`. Keys are
/// unencrypted P-256 keys (fast to make); both certificates are valid for two days.
///
/// Missing openssl is an error that says how to install it: tests must fail, not skip.
public struct TestCertificates: Sendable {
    /// PEM certificate of the CA: what clients are given to trust (`--mqtt-ca`, `cafile`).
    public let caCertificate: String
    /// PEM private key of the CA.
    public let caKey: String
    /// PEM certificate of the server, signed by the CA (`certfile`).
    public let serverCertificate: String
    /// PEM private key of the server certificate (`keyfile`).
    public let serverKey: String

    /// Makes the CA and the server certificate in `directory` (which must exist) as `ca.crt`,
    /// `ca.key`, `server.crt` and `server.key`; openssl's output goes to `openssl.log` there.
    /// - Parameter subjectAltNames: the names the server certificate is valid for.
    public init(directory: String, subjectAltNames: [String] = ["IP:127.0.0.1", "DNS:localhost"]) throws(MosquittoBroker.Failure) {
        guard let openssl = MosquittoBroker.findExecutable("openssl", preferring: "/usr/bin/openssl") else {
            throw MosquittoBroker.Failure(description:
                "openssl not found (looked at /usr/bin/openssl and on PATH): install it with `apt-get install openssl`")
        }
        caCertificate = directory + "/ca.crt"
        caKey = directory + "/ca.key"
        serverCertificate = directory + "/server.crt"
        serverKey = directory + "/server.key"
        let request = directory + "/server.csr"
        let extensions = directory + "/server.ext"
        let log = directory + "/openssl.log"
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        try MosquittoBroker.run(
            [openssl, "req", "-x509"] + newKey + ["-keyout", caKey, "-out", caCertificate, "-days", "2",
             "-subj", "/CN=gatewayd test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            output: log)
        try MosquittoBroker.run(
            [openssl, "req", "-new"] + newKey + ["-keyout", serverKey, "-out", request, "-subj", "/CN=localhost"],
            output: log)
        try MosquittoBroker.writeFile(extensions, contents: """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            subjectAltName=\(subjectAltNames.joined(separator: ","))

            """)
        try MosquittoBroker.run(
            [openssl, "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey, "-set_serial", "2",
             "-days", "2", "-extfile", extensions, "-out", serverCertificate],
            output: log)
    }
}
