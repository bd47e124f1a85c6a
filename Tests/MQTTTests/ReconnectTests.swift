@testable import MQTT
import TestHarness
import Testing

/// The client keeps itself connected: broker down at start-up, broker crash and restart, and
/// nothing stale sent after a reconnection.
@Suite("Reconnection", .serialized)
struct ReconnectTests {
    @Test("with no broker at start-up the client keeps retrying and connects once one starts")
    func brokerLaterAtStartUp() throws {
        let broker = try MosquittoBroker(start: false)
        let (client, events) = try startClient(port: broker.port, name: "late-broker")
        defer { client.stop() }
        #expect(events.wait { $0.reasons.count >= 2 })
        let reason = try #require(events.reasons.first)
        #expect(reason == "connect to 127.0.0.1:\(broker.port) failed: Connection refused")
        #expect(client.status.lastError == reason)
        #expect(!client.isConnected)

        try broker.start()
        #expect(events.wait { $0.connects == 1 })
        let status = client.status
        #expect(status.connected)
        #expect(status.attempts > 1)
        #expect(status.connects == 1 && status.reconnects == 0)
        #expect(status.lastError == reason)
    }

    @Test("after a broker crash and restart the client reconnects, resubscribes, and refuses offline publishes")
    func brokerCrashAndRestart() throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("restart")
        let (client, events) = try startClient(port: broker.port, name: "restart-client")
        defer { client.stop() }
        client.subscribe("\(topic)/control", qos: 1)
        let (observer, seen) = try startClient(port: broker.port, name: "restart-observer")
        defer { observer.stop() }
        observer.subscribe("\(topic)/state", qos: 1)
        #expect(eventually { client.isConnected && observer.isConnected })

        broker.kill()
        #expect(eventually { !client.isConnected })
        let errorsBefore = client.status.publishErrors
        #expect(throws: MQTTError.notConnected) {
            try client.publish(MQTTMessage(topic: "\(topic)/state", string: "while-down", qos: 1, retain: false))
        }
        #expect(throws: MQTTError.notConnected) {
            try client.publish(MQTTMessage(topic: "\(topic)/state", string: "while-down-qos0", qos: 0, retain: false))
        }
        #expect(client.status.publishErrors == errorsBefore + 2)

        try broker.start()
        #expect(events.wait { $0.connects == 2 })
        #expect(client.status.reconnects == 1)
        #expect(eventually { observer.status.reconnects == 1 })

        // Resubscribed by itself: a command published after the restart arrives.
        try awaitSubscription(observer, seen, topic: "\(topic)/state")
        for _ in 0..<100 where !events.waitForMessage("\(topic)/control", "after-restart", timeout: 0.05) {
            _ = try? observer.publish(MQTTMessage(topic: "\(topic)/control", string: "after-restart", qos: 1, retain: false))
        }
        #expect(events.payloads(on: "\(topic)/control").contains("after-restart"))

        // Nothing refused while offline turns up later.
        try client.publish(MQTTMessage(topic: "\(topic)/state", string: "fresh", qos: 1, retain: false))
        #expect(seen.waitForMessage("\(topic)/state", "fresh"))
        pause(0.2)
        #expect(!seen.payloads(on: "\(topic)/state").contains { $0.hasPrefix("while-down") })
    }

    @Test("a QoS 1 message in flight when the broker dies is not replayed after reconnecting")
    func noStaleBurstOfInFlightMessages() throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("stale")
        // The client comes back 0.5–1 s after the restart, the observer within 0.2 s: the
        // observer is listening again before anything the client might replay.
        let (client, events) = try startClient(port: broker.port, name: "stale-client") {
            $0.reconnectDelayInitial = 1
            $0.reconnectDelayMax = 1
        }
        defer { client.stop() }
        let (observer, seen) = try startClient(port: broker.port, name: "stale-observer")
        defer { observer.stop() }
        observer.subscribe("\(topic)/#", qos: 1)
        #expect(eventually { client.isConnected && observer.isConnected })
        try awaitSubscription(observer, seen, topic: topic)

        // A frozen broker reads nothing: the client still believes it is connected and hands
        // the messages to libmosquitto, which keeps them until PUBACK (never coming).
        broker.suspend()
        for index in 0..<5 {
            try client.publish(MQTTMessage(topic: "\(topic)/data", string: "stale-\(index)", qos: 1, retain: false))
        }
        broker.kill()
        try broker.start()
        #expect(eventually { observer.status.reconnects == 1 })
        try awaitSubscription(observer, seen, topic: topic)
        #expect(client.status.reconnects == 0, "the observer must listen before the client is back")
        #expect(events.wait { $0.connects == 2 })
        pause(0.2)

        try client.publish(MQTTMessage(topic: "\(topic)/data", string: "fresh", qos: 1, retain: false))
        #expect(seen.waitForMessage("\(topic)/data", "fresh"))
        pause(0.3)
        // libmosquitto's own reconnect would resend the five with DUP set; a fresh handle cannot.
        #expect(seen.payloads(on: "\(topic)/data") == ["fresh"])
    }
}
