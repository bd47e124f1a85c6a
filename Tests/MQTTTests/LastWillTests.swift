@testable import MQTT
import TestHarness
import Testing

/// The last will as the broker sees it: published when the connection dies, not after a clean stop.
@Suite("Last will and final message", .serialized)
struct LastWillTests {
    @Test("the broker publishes the retained will when the connection dies without DISCONNECT")
    func willOnDeadConnection() throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("will") + "/bridge/state"
        let (observer, seen) = try startClient(port: broker.port, name: "will-observer")
        defer { observer.stop() }
        observer.subscribe(topic, qos: 1)
        let (gateway, events) = try startClient(port: broker.port, name: "will-gateway") {
            $0.will = MQTTMessage(topic: topic, string: "{\"state\":\"offline\"}", qos: 1, retain: true)
        }
        defer { gateway.stop() }
        #expect(eventually { observer.isConnected && gateway.isConnected })
        try gateway.publish(MQTTMessage(topic: topic, string: "{\"state\":\"online\"}", qos: 1, retain: true))
        #expect(seen.waitForMessage(topic, "{\"state\":\"online\"}"))

        // What a dead Wi-Fi link looks like to the broker: the TCP connection ends, no DISCONNECT.
        #expect(gateway.dropConnectionWithoutDisconnect())
        #expect(seen.waitForMessage(topic, "{\"state\":\"offline\"}"))
        #expect(events.wait { !$0.reasons.isEmpty })
        // The client notices and comes back by itself.
        #expect(eventually { gateway.status.reconnects == 1 && gateway.isConnected })

        // Retained: a subscriber arriving now still learns the gateway was offline.
        let (late, lateSeen) = try startClient(port: broker.port, name: "will-late")
        defer { late.stop() }
        late.subscribe(topic, qos: 1)
        #expect(lateSeen.waitForMessage(topic, "{\"state\":\"offline\"}"))
    }

    @Test("a clean stop publishes the final message, acknowledged, and the will never appears")
    func noWillAfterCleanStop() throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("final") + "/bridge/state"
        let (observer, seen) = try startClient(port: broker.port, name: "final-observer")
        defer { observer.stop() }
        observer.subscribe(topic, qos: 1)
        let (gateway, _) = try startClient(port: broker.port, name: "final-gateway") {
            $0.will = MQTTMessage(topic: topic, string: "will", qos: 1, retain: true)
        }
        #expect(eventually { observer.isConnected && gateway.isConnected })
        try awaitSubscription(observer, seen, topic: topic)

        let final = MQTTMessage(topic: topic, string: "offline", qos: 1, retain: true)
        let elapsed = measure { gateway.stop(finalMessage: final, timeout: 1.5) }
        #expect(elapsed < 1.5)
        #expect(!gateway.isConnected)
        #expect(gateway.status.published == 1)
        #expect(seen.waitForMessage(topic, "offline"))
        pause(0.3)
        #expect(!seen.payloads(on: topic).contains("will"))

        let (late, lateSeen) = try startClient(port: broker.port, name: "final-late")
        defer { late.stop() }
        late.subscribe(topic, qos: 1)
        #expect(lateSeen.waitForMessage(topic, "offline"))
        pause(0.2)
        #expect(!lateSeen.payloads(on: topic).contains("will"))
    }

    @Test("stop with a final message while offline sends nothing and returns at once")
    func finalMessageWhileOffline() throws {
        let port = try MosquittoBroker.freeLoopbackPort()
        let (client, _) = try startClient(port: port, name: "final-offline")
        #expect(eventually { client.status.attempts >= 1 })
        let elapsed = measure {
            client.stop(finalMessage: MQTTMessage(topic: "t", string: "offline", qos: 1, retain: true))
        }
        #expect(elapsed < 0.5)
        #expect(client.status.published == 0)
    }
}
