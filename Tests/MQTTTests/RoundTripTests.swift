import MQTT
import TestHarness
import Testing

/// Publish/subscribe against a real mosquitto, observed by a second, independent client.
@Suite("Round trips through a real broker", .serialized)
struct RoundTripTests {
    @Test("QoS 0 and QoS 1 messages arrive at a subscriber", arguments: [0, 1])
    func roundTrip(qos: Int) throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("roundtrip")
        let (observer, seen) = try startClient(port: broker.port, name: "observer")
        defer { observer.stop() }
        observer.subscribe("\(topic)/#", qos: 1)
        let (publisher, _) = try startClient(port: broker.port, name: "publisher")
        defer { publisher.stop() }
        #expect(eventually { observer.isConnected && publisher.isConnected })
        try awaitSubscription(observer, seen, topic: topic)

        try publisher.publish(MQTTMessage(topic: "\(topic)/a", string: "hello \(qos)", qos: qos, retain: false))
        try publisher.publish(MQTTMessage(topic: "\(topic)/b", payload: [0, 1, 2, 255], qos: qos, retain: false))
        #expect(seen.waitForMessage("\(topic)/a", "hello \(qos)"))
        #expect(seen.wait { $0.messages.contains { $0.topic == "\(topic)/b" } })
        #expect(publisher.status.published == 2)
        #expect(publisher.status.publishErrors == 0)
        #expect(observer.status.received >= 3)
        #expect(publisher.status.connects == 1 && publisher.status.reconnects == 0 && publisher.status.attempts == 1)
        #expect(publisher.status.connectedSince != nil)
        #expect((publisher.status.connectedSinceEpochSeconds ?? 0) > 1_600_000_000)
    }

    @Test("a retained message reaches a subscriber that arrives later")
    func retained() throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("retained")
        let (publisher, _) = try startClient(port: broker.port, name: "publisher")
        defer { publisher.stop() }
        #expect(eventually { publisher.isConnected })
        try publisher.publish(MQTTMessage(topic: topic, string: "{\"state\":\"online\"}", qos: 1, retain: true))

        let (late, seen) = try startClient(port: broker.port, name: "late") { _ in }
        defer { late.stop() }
        late.subscribe(topic, qos: 0)
        #expect(seen.waitForMessage(topic, "{\"state\":\"online\"}"))
    }

    @Test("MQTT 5 works end to end")
    func mqtt5() throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("v5")
        let (observer, seen) = try startClient(port: broker.port, name: "observer5") { $0.protocolVersion = .v5 }
        defer { observer.stop() }
        observer.subscribe("\(topic)/#", qos: 1)
        let (publisher, events) = try startClient(port: broker.port, name: "publisher5") { $0.protocolVersion = .v5 }
        defer { publisher.stop() }
        #expect(events.wait { $0.connects == 1 })
        try awaitSubscription(observer, seen, topic: topic)
        try publisher.publish(MQTTMessage(topic: "\(topic)/x", string: "five", qos: 1, retain: false))
        #expect(seen.waitForMessage("\(topic)/x", "five"))
    }

    @Test("the delegate hears about connections and messages; subscriptions made before start apply")
    func delegateEvents() throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("delegate")
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: uniqueClientID("delegate"))
        configuration.keepAliveSeconds = 5
        let client = try MQTTClient(configuration: configuration, logger: testLogger("delegate"))
        let events = EventRecorder()
        client.setDelegate(events)
        client.subscribe(topic, qos: 1)
        client.subscribe(topic, qos: 0)   // the same filter again only changes the QoS
        try client.start()
        defer { client.stop() }
        #expect(events.wait { $0.connects == 1 })
        try awaitSubscription(client, events, topic: topic)
        #expect(!events.payloads(on: topic).isEmpty && events.payloads(on: topic).allSatisfy { $0 == "probe" })
        #expect(events.reasons.isEmpty)
    }
}

/// Waits until `client`'s subscription covering `topic` is active: publishes probes to it until
/// one comes back (SUBACK is not reported, and a message published before it would be lost).
func awaitSubscription(_ client: MQTTClient, _ recorder: EventRecorder, topic: String) throws {
    let probeTopic = topic
    for _ in 0..<100 {
        if client.isConnected {
            _ = try? client.publish(MQTTMessage(topic: probeTopic, string: "probe", qos: 0, retain: false))
        }
        if recorder.waitForMessage(probeTopic, "probe", timeout: 0.05) { return }
    }
    Issue.record("subscription to \(topic) never became active")
}
