import MQTT
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Configuration validation")
struct ConfigurationValidationTests {
    private func base() -> MQTTConfiguration {
        MQTTConfiguration(host: "127.0.0.1", port: 1883, clientID: "gateway")
    }

    /// The message of the `invalidConfiguration` error `configuration` is refused with.
    private func refusal(_ configuration: MQTTConfiguration) -> String? {
        do {
            try configuration.validate()
            return nil
        } catch {
            guard case .invalidConfiguration(let message) = error else { return "unexpected \(error)" }
            return message
        }
    }

    @Test("the defaults are valid")
    func defaults() throws {
        let configuration = base()
        #expect(configuration.keepAliveSeconds == 60)
        #expect(configuration.protocolVersion == .v311)
        #expect(configuration.reconnectDelayInitial == 0.5)
        #expect(configuration.reconnectDelayMax == 30)
        try configuration.validate()
    }

    @Test("host, port and client id are checked")
    func identity() {
        var configuration = base()
        configuration.host = ""
        #expect(refusal(configuration)?.contains("host") == true)
        configuration = base()
        configuration.port = 0
        #expect(refusal(configuration)?.contains("port 0") == true)
        configuration.port = 70000
        #expect(refusal(configuration)?.contains("port 70000") == true)
        configuration = base()
        configuration.clientID = ""
        #expect(refusal(configuration)?.contains("clientID") == true)
        configuration.clientID = "bad\u{0}id"
        #expect(refusal(configuration)?.contains("NUL") == true)
    }

    @Test("client ids longer than 23 bytes are allowed for 3.1.1 as well (brokers accept them)")
    func longClientID() throws {
        var configuration = base()
        configuration.clientID = String(repeating: "g", count: 64)
        try configuration.validate()
        _ = try MQTTClient(configuration: configuration, logger: testLogger("long-id"))
    }

    @Test("keepalive must be 0 or 5…65535", arguments: [(0, true), (4, false), (5, true), (60, true), (65535, true), (65536, false), (-1, false)])
    func keepalive(seconds: Int, valid: Bool) {
        var configuration = base()
        configuration.keepAliveSeconds = seconds
        #expect((refusal(configuration) == nil) == valid)
        if !valid { #expect(refusal(configuration)?.contains("keepAliveSeconds") == true) }
    }

    @Test("a password needs a username under 3.1.1 but not under 5")
    func passwordWithoutUsername() throws {
        var configuration = base()
        configuration.password = "secret"
        #expect(refusal(configuration)?.contains("MQTT 5") == true)
        configuration.protocolVersion = .v5
        try configuration.validate()
    }

    @Test("the will needs a publishable topic and a QoS of 0…2")
    func will() {
        var configuration = base()
        configuration.will = MQTTMessage(topic: "gw/+/state", string: "offline", qos: 1, retain: true)
        #expect(refusal(configuration)?.contains("wildcard") == true)
        configuration.will = MQTTMessage(topic: "", string: "offline", qos: 1, retain: true)
        #expect(refusal(configuration)?.contains("will topic is empty") == true)
        configuration.will = MQTTMessage(topic: "gw/state", string: "offline", qos: 3, retain: true)
        #expect(refusal(configuration)?.contains("QoS 3") == true)
    }

    @Test("reconnect delays must be positive and ordered")
    func delays() {
        var configuration = base()
        configuration.reconnectDelayInitial = 0
        #expect(refusal(configuration)?.contains("reconnectDelayInitial") == true)
        configuration.reconnectDelayInitial = .nan
        #expect(refusal(configuration)?.contains("reconnectDelayInitial") == true)
        configuration.reconnectDelayInitial = 5
        configuration.reconnectDelayMax = 1
        #expect(refusal(configuration)?.contains("reconnectDelayMax") == true)
    }

    @Test("an unreadable TLS CA file is refused with its path in the message")
    func unreadableCAFile() throws {
        var configuration = try MQTTConfiguration.server("mqtts://broker", clientID: "gw")
        let path = "/nonexistent/mqtt-test/ca.pem"
        configuration.tls?.caFile = path
        let message = try #require(refusal(configuration))
        #expect(message.contains(path))
        #expect(message.contains("caFile"))
        #expect {
            _ = try MQTTClient(configuration: configuration, logger: testLogger("tls"))
        } throws: { error in
            (error as? MQTTError).map { "\($0)".contains(path) } ?? false
        }
    }

    @Test("a directory is not a CA file")
    func directoryAsCAFile() throws {
        var configuration = base()
        configuration.tls = MQTTTLS(caFile: "/tmp")
        #expect(refusal(configuration)?.contains("directory") == true)
    }

    @Test("a client certificate needs its key and a CA file")
    func clientCertificatePairing() throws {
        var configuration = base()
        configuration.tls = MQTTTLS(caFile: nil, certFile: "/etc/hostname", keyFile: nil)
        #expect(refusal(configuration)?.contains("together") == true)
        configuration.tls = MQTTTLS(caFile: nil, certFile: "/etc/hostname", keyFile: "/etc/hostname")
        #expect(refusal(configuration)?.contains("caFile") == true)
        configuration.tls = MQTTTLS(caFile: "/etc/hostname", certFile: "/etc/hostname", keyFile: "/etc/hostname")
        #expect(refusal(configuration) == nil)
    }

    @Test("errors describe themselves for logs")
    func descriptions() {
        #expect(MQTTError.notConnected.description == "not connected to the MQTT broker")
        #expect(MQTTError.invalidConfiguration("port 0").description.contains("port 0"))
        #expect(MQTTError.library(code: 14, message: "Lookup error.").description.contains("Lookup error."))
    }
}
