import MQTT
import TestHarness
import Testing

/// A broker that stops answering is detected by keepalive, not by TCP (which stays open).
@Suite("Keepalive")
struct KeepaliveTests {
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
