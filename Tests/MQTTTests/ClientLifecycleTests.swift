@testable import MQTT
import TestHarness
import Testing

@Suite("Client lifecycle without a broker")
struct ClientLifecycleTests {
    private func client() throws -> MQTTClient {
        // Port 1 on loopback: nothing listens there, connections are refused at once.
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: 1, clientID: uniqueClientID("lifecycle"))
        configuration.reconnectDelayInitial = 5
        configuration.reconnectDelayMax = 5
        return try MQTTClient(configuration: configuration, logger: testLogger("lifecycle"))
    }

    @Test("init validates and starts nothing")
    func initStartsNothing() throws {
        let client = try client()
        #expect(client.networkThreadID == nil)
        #expect(client.status == MQTTStatus())
        #expect(!client.isConnected)
        #expect(throws: MQTTError.invalidConfiguration("port 0 is outside 1…65535")) {
            _ = try MQTTClient(configuration: MQTTConfiguration(host: "h", port: 0, clientID: "c"), logger: testLogger("x"))
        }
    }

    @Test("publish fails with notConnected before start and while offline, and is counted")
    func publishOffline() throws {
        let client = try client()
        let message = MQTTMessage(topic: "t", string: "x", qos: 1, retain: false)
        #expect(throws: MQTTError.notConnected) { try client.publish(message) }
        try client.start()
        #expect(throws: MQTTError.notConnected) { try client.publish(message) }
        #expect(client.status.publishErrors == 2)
        #expect(client.status.published == 0)
        client.stop()
    }

    @Test("an invalid message is refused before anything else")
    func invalidMessage() throws {
        let client = try client()
        #expect(throws: MQTTError.invalidMessage("QoS 3 must be 0, 1 or 2")) {
            try client.publish(MQTTMessage(topic: "t", string: "x", qos: 3, retain: false))
        }
        #expect {
            try client.publish(MQTTMessage(topic: "a/#", string: "x", qos: 0, retain: false))
        } throws: { error in
            if case MQTTError.invalidMessage(let why) = error { return why.contains("wildcard") }
            return false
        }
    }

    @Test("start twice is an error; start after stop is an error; stop is idempotent")
    func startStop() throws {
        let client = try client()
        try client.start()
        #expect(throws: MQTTError.alreadyStarted) { try client.start() }
        client.stop()
        client.stop()
        #expect(throws: MQTTError.stopped) { try client.start() }
    }

    @Test("stop before start returns at once and forbids a later start")
    func stopBeforeStart() throws {
        let client = try client()
        #expect(measure { client.stop() } < 0.1)
        #expect(throws: MQTTError.stopped) { try client.start() }
    }

    @Test("the network thread is named mqtt-net and is gone after stop")
    func networkThread() throws {
        let client = try client()
        try client.start()
        #expect(eventually { client.networkThreadID != nil })
        let id = try #require(client.networkThreadID)
        #expect(threadName(id) == "mqtt-net")
        client.stop()
        #expect(!threadExists(id))
    }
}
