@testable import MQTT
import Testing
import XousIPC
#if canImport(Glibc)
import Glibc
#endif

/// `stop()` returns within its timeout wherever the network thread is, and leaves no thread.
@Suite("Stopping", .serialized)
struct StopTests {
    @Test("stop while waiting in back-off returns at once and the thread is gone")
    func stopDuringBackoff() throws {
        let port = try MosquittoBroker.freeLoopbackPort()
        let (client, events) = try startClient(port: port, name: "stop-backoff") {
            $0.reconnectDelayInitial = 20
            $0.reconnectDelayMax = 20
        }
        #expect(events.wait { $0.reasons.count == 1 })
        let thread = try #require(client.networkThreadID)
        #expect(threadName(thread) == "mqtt-net")
        let elapsed = measure { client.stop() }
        #expect(elapsed < 0.2)
        #expect(!threadExists(thread))
        #expect(events.reasons.count == 1)
    }

    @Test("stop while connected disconnects cleanly and the thread is gone")
    func stopWhileConnected() throws {
        let broker = try MosquittoBroker()
        let (client, events) = try startClient(port: broker.port, name: "stop-connected")
        #expect(events.wait { $0.connects == 1 })
        let thread = try #require(client.networkThreadID)
        let elapsed = measure { client.stop() }
        #expect(elapsed < 0.5)
        #expect(!threadExists(thread))
        #expect(!client.isConnected)
        #expect(events.reasons.isEmpty, "no event once stop has begun")
        #expect(measure { client.stop() } < 0.05)
    }

    @Test("stop while the broker accepted TCP but never answers CONNECT returns within the timeout")
    func stopWithSilentBroker() throws {
        let listener = try SilentListener(backlog: 8)
        let (client, _) = try startClient(port: listener.port, name: "stop-silent")
        #expect(eventually { client.status.attempts >= 1 })
        pause(0.3)
        #expect(!client.isConnected)
        #expect(client.status.lastError == nil, "still waiting for CONNACK")
        let thread = try #require(client.networkThreadID)
        let elapsed = measure { client.stop(timeout: 1.5) }
        #expect(elapsed < 1.5)
        #expect(!threadExists(thread))
    }

    @Test("a silent broker is given up on after keepalive seconds and retried")
    func silentBrokerTimesOut() throws {
        let listener = try SilentListener(backlog: 8)
        let (client, events) = try startClient(port: listener.port, name: "silent-timeout") { $0.keepAliveSeconds = 5 }
        defer { client.stop() }
        #expect(events.wait(timeout: 8) { !$0.reasons.isEmpty })
        #expect(events.reasons.first == "no CONNACK from 127.0.0.1:\(listener.port) within 5 s")
    }

    @Test("stop while blocked in connect() to a host that drops SYNs returns within the timeout")
    func stopWhileConnectIsBlocked() throws {
        // A listener whose accept queue is full drops further SYNs, as a black-holed host
        // would: the client's blocking connect() hangs in SYN_SENT.
        let listener = try SilentListener(backlog: 0)
        try listener.fillAcceptQueue()
        let (client, _) = try startClient(port: listener.port, name: "stop-blackhole")
        pause(0.5)
        #expect(client.status.attempts == 1)
        #expect(client.status.lastError == nil, "connect() should still be blocked")
        let thread = try #require(client.networkThreadID)
        let elapsed = measure { client.stop(timeout: 1.0) }
        #expect(elapsed < 1.2)
        // Gone at once: shutdown(2) freed connect(), the thread was joined, not abandoned.
        #expect(!threadExists(thread), "shutdown(2) should free connect()")
    }

    @Test("releasing a running client stops it and ends its thread")
    func releaseStops() throws {
        let broker = try MosquittoBroker()
        var thread: Int32?
        do {
            let (client, events) = try startClient(port: broker.port, name: "release")
            #expect(events.wait { $0.connects == 1 })
            thread = client.networkThreadID
        }
        let id = try #require(thread)
        #expect(eventually(timeout: 2) { !threadExists(id) })
    }
}

/// A TCP listener on 127.0.0.1 that never accepts and never answers: the kernel completes the
/// handshakes (up to the backlog), after which SYNs are dropped.
final class SilentListener {
    let port: Int
    private let descriptor: Int32
    private var fillers: [Int32] = []

    init(backlog: Int32) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw MosquittoBroker.Failure(description: "socket failed") }
        var address = MosquittoBroker.loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0, listen(descriptor, backlog) == 0 else {
            close(descriptor)
            throw MosquittoBroker.Failure(description: "bind/listen failed")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        for filler in fillers { close(filler) }
        close(descriptor)
    }

    /// Opens connections until the accept queue is full, so that the next SYN is dropped.
    func fillAcceptQueue() throws {
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var address = MosquittoBroker.loopbackAddress(port: port)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fillers.append(filler)
        }
        usleep(50_000)
    }
}

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
