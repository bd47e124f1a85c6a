/// Everything the client needs to reach and log in to one broker.
///
/// A value is inert: nothing is resolved or opened until `MQTTClient.start()`. Use
/// `server(_:clientID:)` to build one from a command-line URL, then set the rest.
public struct MQTTConfiguration: Sendable, Hashable {
    /// Broker host name or IP address (an IPv6 address without brackets).
    public var host: String
    /// Broker TCP port, 1…65535.
    public var port: Int
    /// The MQTT client identifier. It must be unique on the broker: two clients with the same
    /// identifier disconnect each other in an endless loop.
    public var clientID: String
    /// Seconds between keepalive pings; 0 disables them, otherwise at least 5 (libmosquitto's
    /// lower bound). It also bounds how long a silent broker is waited for.
    public var keepAliveSeconds: Int = 60
    /// The protocol revision to speak.
    public var protocolVersion: MQTTProtocolVersion = .v311
    /// User name for brokers that require a login.
    public var username: String?
    /// Password sent with `username` (MQTT 5 also allows it alone).
    public var password: String?
    /// TLS settings; nil for a plain TCP connection.
    public var tls: MQTTTLS?
    /// The last will: published by the broker when the connection dies without a DISCONNECT.
    /// Set again before every connection attempt.
    public var will: MQTTMessage?
    /// Seconds before the first retry after a failure; doubles per failure up to `reconnectDelayMax`.
    public var reconnectDelayInitial: Double = 0.5
    /// Cap of the retry delay, in seconds, so that a broker back after a long outage is found soon.
    public var reconnectDelayMax: Double = 30
    /// Seed for the retry jitter; nil (the default) draws from the system's random source, which
    /// is what keeps a fleet of gateways from reconnecting in lockstep. Tests set it.
    public var reconnectJitterSeed: UInt64?

    /// A plain-TCP MQTT 3.1.1 configuration with default timing and no login, will or TLS.
    public init(host: String, port: Int, clientID: String) {
        self.host = host
        self.port = port
        self.clientID = clientID
    }

    /// `host:port` as it appears in logs and reasons, with IPv6 addresses in brackets.
    var endpointDescription: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

// Printing a configuration (in a log line, a crash report, `dump`) must never show the password.
extension MQTTConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = ["server: \(serverURL)", "clientID: \(clientID)", "keepAlive: \(keepAliveSeconds)", "version: \(protocolVersion)"]
        if let username { parts.append("username: \(username)") }
        if password != nil { parts.append("password: (hidden)") }
        if let tls { parts.append("tls: ca \(tls.caFile ?? "system"), verify \(tls.verifyPeer)") }
        return "MQTTConfiguration(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["description": description])
    }
}
