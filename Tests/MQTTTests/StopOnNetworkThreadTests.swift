@testable import MQTT
import TestHarness
import Testing
import XousIPC
import SystemSupport

/// A delegate that stops its client from the network thread as soon as it connects.
private final class StopOnConnect: MQTTClientDelegate, @unchecked Sendable {
    let final: MQTTMessage
    private let lock = ConditionLock()
    private var duration: Double?
    var stopDuration: Double? { lock.withLock { duration } }
    init(final: MQTTMessage) { self.final = final }
    func mqttDidConnect(_ client: MQTTClient) {
        let elapsed = measure { client.stop(finalMessage: final) }
        lock.withLock { duration = elapsed }
    }
    func mqttDidDisconnect(_ client: MQTTClient, reason: String) {}
    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8]) {}
}

/// A delegate whose connect handler hangs, as a misbehaving one might.
private final class HangOnConnect: MQTTClientDelegate, @unchecked Sendable {
    func mqttDidConnect(_ client: MQTTClient) { pause(1.2) }
    func mqttDidDisconnect(_ client: MQTTClient, reason: String) {}
    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8]) {}
}

@Suite("Stopping on or around a busy network thread", .serialized)
struct StopFromDelegateTests {
    @Test("stop called on the network thread returns at once, still sends the final message, and the thread ends")
    func stopFromCallback() throws {
        let broker = try MosquittoBroker()
        let topic = uniqueTopic("stop-in-callback")
        let (observer, seen) = try startClient(port: broker.port, name: "callback-observer")
        defer { observer.stop() }
        observer.subscribe(topic, qos: 1)
        #expect(eventually { observer.isConnected })
        try awaitSubscription(observer, seen, topic: topic)

        var configuration = MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: uniqueClientID("callback"))
        configuration.will = MQTTMessage(topic: topic, string: "will", qos: 1, retain: false)
        let client = try MQTTClient(configuration: configuration, logger: testLogger("callback"))
        let delegate = StopOnConnect(final: MQTTMessage(topic: topic, string: "bye", qos: 1, retain: false))
        client.setDelegate(delegate)
        try client.start()
        #expect(seen.waitForMessage(topic, "bye"))
        #expect(eventually { client.networkThreadID.map { !threadExists($0) } ?? false })
        #expect((delegate.stopDuration ?? 1) < 0.05)
        #expect(throws: MQTTError.stopped) { try client.start() }
        pause(0.2)
        #expect(!seen.payloads(on: topic).contains("will"))
        // The thread handed over by that stop is joined by the next start or stop anywhere.
        AbandonedThreads.shared.reap()
        #expect(AbandonedThreads.shared.count == 0)
    }

    @Test("a network thread that cannot be freed in time is left to finish and joined later")
    func abandonStuckThread() throws {
        let broker = try MosquittoBroker()
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: uniqueClientID("stuck"))
        configuration.keepAliveSeconds = 5
        let client = try MQTTClient(configuration: configuration, logger: testLogger("stuck"))
        let delegate = HangOnConnect()
        client.setDelegate(delegate)
        try client.start()
        #expect(eventually { client.isConnected })
        let thread = try #require(client.networkThreadID)
        let elapsed = measure { client.stop(timeout: 0.4) }
        #expect(elapsed < 0.6)
        #expect(threadExists(thread), "still inside the hanging handler")
        #expect(AbandonedThreads.shared.count >= 1)
        // Once the handler returns, the thread sees the stop, disconnects and ends by itself.
        #expect(eventually(timeout: 3) { !threadExists(thread) })
        AbandonedThreads.shared.reap()
        #expect(AbandonedThreads.shared.count == 0)
    }
}
