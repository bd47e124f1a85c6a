import MQTT
import Testing

@Suite("Server URL parsing")
struct ServerURLTests {
    @Test("mqtt:// defaults to port 1883 without TLS")
    func plainDefaultPort() throws {
        let configuration = try MQTTConfiguration.server("mqtt://broker.local", clientID: "gw")
        #expect(configuration.host == "broker.local")
        #expect(configuration.port == 1883)
        #expect(configuration.tls == nil)
        #expect(configuration.clientID == "gw")
    }

    @Test("mqtts:// defaults to port 8883 and switches TLS on with the system trust store")
    func secureDefaultPort() throws {
        let configuration = try MQTTConfiguration.server("mqtts://broker.example.org", clientID: "gw")
        #expect(configuration.port == 8883)
        #expect(configuration.tls == MQTTTLS())
        #expect(configuration.tls?.verifyPeer == true)
    }

    @Test("explicit ports, upper-case schemes and a trailing slash are accepted")
    func explicitPorts() throws {
        #expect(try MQTTConfiguration.server("mqtt://10.0.0.2:1884", clientID: "gw").port == 1884)
        #expect(try MQTTConfiguration.server("MQTTS://h:443/", clientID: "gw").port == 443)
        #expect(try MQTTConfiguration.server("mqtt://h:65535", clientID: "gw").port == 65535)
    }

    @Test("IPv6 addresses are written in brackets and stored without them")
    func ipv6() throws {
        let withPort = try MQTTConfiguration.server("mqtt://[::1]:1884", clientID: "gw")
        #expect(withPort.host == "::1")
        #expect(withPort.port == 1884)
        let withoutPort = try MQTTConfiguration.server("mqtts://[fd00::17]", clientID: "gw")
        #expect(withoutPort.host == "fd00::17")
        #expect(withoutPort.port == 8883)
    }

    @Test("anything else is refused with a message saying what is accepted", arguments: [
        "broker:1883", "tcp://broker:1883", "ws://broker", "mqtt://", "mqtt://:1883",
        "mqtt://h:0", "mqtt://h:65536", "mqtt://h:port", "mqtt://h:", "mqtt://h:+1", "mqtt://::1:1883",
        "mqtt://[::1", "mqtt://[::1]x", "mqtt://[broker]:1883", "mqtt://user:pw@h", "mqtt://h/path",
        "mqtt://h?x=1", "mqtt://my host", "",
    ])
    func refused(url: String) {
        #expect {
            _ = try MQTTConfiguration.server(url, clientID: "gw")
        } throws: { error in
            guard case MQTTError.invalidServerURL(let message) = error else { return false }
            return message.contains("mqtt://HOST[:PORT]") && message.contains("mqtts://HOST[:PORT]")
                && message.contains("\"\(url)\"")
        }
    }
}
