#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension MQTTConfiguration {
    /// Checks every value before anything touches the network, so that a typo is reported at
    /// start-up instead of as an endless series of failed connection attempts.
    ///
    /// Client identifier: 1…65535 bytes of UTF-8 without NUL, for both protocol versions. The
    /// MQTT 3.1.1 spec obliges brokers to accept only 1…23 characters of `[0-9a-zA-Z]` but lets
    /// them accept more, and mosquitto, EMQX, HiveMQ and NanoMQ all do; libmosquitto 2.0.11
    /// defines `MOSQ_MQTT_ID_MAX_LENGTH` (23) without enforcing it. A strict broker refuses a
    /// longer identifier with "identifier rejected", which `MQTTStatus.lastError` then shows.
    /// - Throws: `MQTTError.invalidConfiguration` naming the field, the value's problem and, for
    ///   TLS files, the path.
    public func validate() throws(MQTTError) {
        func refuse(_ why: String) -> MQTTError { .invalidConfiguration(why) }

        if host.isEmpty { throw refuse("host is empty") }
        if host.utf8.count > 255 || host.contains(where: { $0.isWhitespace }) || host.utf8.contains(0) {
            throw refuse("host \"\(host)\" is not a host name or IP address")
        }
        guard (1...65535).contains(port) else { throw refuse("port \(port) is outside 1…65535") }
        if clientID.isEmpty { throw refuse("clientID is empty") }
        if let problem = Self.mqttStringProblem(clientID) { throw refuse("clientID \(problem)") }
        guard keepAliveSeconds == 0 || (5...65535).contains(keepAliveSeconds) else {
            throw refuse("keepAliveSeconds \(keepAliveSeconds) must be 0 (off) or 5…65535")
        }
        if let username, let problem = Self.mqttStringProblem(username) { throw refuse("username \(problem)") }
        if let password, let problem = Self.mqttStringProblem(password) { throw refuse("password \(problem)") }
        if password != nil, username == nil, protocolVersion == .v311 {
            throw refuse("a password without a username needs MQTT 5 (3.1.1 forbids it)")
        }
        if let will {
            if let problem = Self.publishTopicProblem(will.topic) { throw refuse("will topic \(problem)") }
            guard (0...2).contains(will.qos) else { throw refuse("will QoS \(will.qos) must be 0, 1 or 2") }
        }
        guard reconnectDelayInitial.isFinite, reconnectDelayInitial > 0 else {
            throw refuse("reconnectDelayInitial \(reconnectDelayInitial) must be a positive number of seconds")
        }
        guard reconnectDelayMax.isFinite, reconnectDelayMax >= reconnectDelayInitial else {
            throw refuse("reconnectDelayMax \(reconnectDelayMax) must be at least reconnectDelayInitial (\(reconnectDelayInitial))")
        }
        if let tls { try Self.validate(tls) }
    }

    private static func validate(_ tls: MQTTTLS) throws(MQTTError) {
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            throw .invalidConfiguration("TLS certFile and keyFile must be given together")
        }
        if tls.certFile != nil, tls.caFile == nil {
            // mosquitto_tls_set, the only way to load a client certificate, insists on a CA.
            throw .invalidConfiguration("a TLS client certificate (certFile) needs caFile as well")
        }
        for (name, path) in [("caFile", tls.caFile), ("certFile", tls.certFile), ("keyFile", tls.keyFile)] {
            guard let path else { continue }
            if let problem = readableFileProblem(path) {
                throw .invalidConfiguration("TLS \(name) \(path): \(problem)")
            }
        }
    }

    /// Why `path` cannot be read as a file by this process, or nil if it can.
    static func readableFileProblem(_ path: String) -> String? {
        if path.isEmpty { return "empty path" }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { return "cannot be read (\(String(cString: strerror(errno))))" }
        defer { close(descriptor) }
        var information = stat()
        if fstat(descriptor, &information) != 0 { return "cannot be read (\(String(cString: strerror(errno))))" }
        if (information.st_mode & S_IFMT) == S_IFDIR { return "is a directory, not a file" }
        return nil
    }

    /// Why `text` cannot travel as an MQTT UTF-8 string through libmosquitto's C API, or nil.
    static func mqttStringProblem(_ text: String) -> String? {
        if text.utf8.contains(0) { return "contains a NUL character" }
        if text.utf8.count > 65535 { return "is longer than 65535 bytes" }
        return nil
    }

    /// Why `topic` cannot be published to, or nil.
    static func publishTopicProblem(_ topic: String) -> String? {
        if topic.isEmpty { return "is empty" }
        if let problem = mqttStringProblem(topic) { return problem }
        // Bytes, not Characters: checked on every publish, and grapheme breaking costs more
        // than libmosquitto's own work for the message.
        if topic.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) {
            return "\"\(topic)\" contains a wildcard (+ or #)"
        }
        return nil
    }
}
