import MQTT
import TestHarness
import Testing

/// A broker that stops answering is detected by keepalive, not by TCP (which stays open).
@Suite("Keepalive", .serialized)
struct KeepaliveTests {
    @Test("an idle connection pings in time and stays up well past one and a half keepalive periods")
    func idleConnectionStaysUp() throws {
        try ProcessWide.isolated {
            let broker = try MosquittoBroker(extraConfiguration: ["log_type all"])
            let existing = Set(threadIDs())
            let (client, events) = try startClient(port: broker.port, name: "idle") { $0.keepAliveSeconds = 5 }
            defer { client.stop() }
            #expect(events.wait { $0.connects == 1 })
            let network = threadIDs().filter { !existing.contains($0) && threadName($0) == "mqtt-net" }
            let wakeUps = { network.reduce(0) { $0 + (contextSwitches(ofThread: $1) ?? 0) } }
            let before = wakeUps()
            // The broker drops a client silent for 1.5 keepalives (7.5 s): only pings keep it.
            pause(11)
            // Two pings in 11 s, each a wake-up to send and one for the answer: no polling besides.
            #expect(network.count == 1)
            #expect(wakeUps() - before <= 6, "the idle network thread woke \(wakeUps() - before) times in 11 s")
            #expect(events.reasons.isEmpty, "\(events.reasons)")
            #expect(client.isConnected)
            #expect(events.connects == 1)
            #expect(broker.logTail(maxBytes: 20_000).contains("Received PINGREQ from idle"), "\(broker.logTail())")
        }
    }

    @Test("a frozen broker is detected after about two keepalive periods, and the client comes back")
    func frozenBroker() throws {
        let broker = try MosquittoBroker()
        let (client, events) = try startClient(port: broker.port, name: "keepalive") { $0.keepAliveSeconds = 5 }
        defer { client.stop() }
        #expect(events.wait { $0.connects == 1 })
        broker.suspend()
        // PINGREQ after 5 s of silence, then 5 s more for PINGRESP.
        #expect(events.wait(timeout: 14) { !$0.reasons.isEmpty })
        #expect(events.reasons.first == "keepalive timeout: 127.0.0.1:\(broker.port) did not answer for 5 s")
        #expect(!client.isConnected)
        broker.resume()
        #expect(events.wait { $0.connects == 2 })
        #expect(client.status.reconnects == 1)
    }
}
