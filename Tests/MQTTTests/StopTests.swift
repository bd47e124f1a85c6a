@testable import MQTT
import TestHarness
import Testing
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
