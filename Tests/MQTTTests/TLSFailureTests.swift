import MQTT
import TestHarness
import Testing

/// TLS failures end libmosquitto's own loop thread for good; ours must keep retrying.
@Suite("Reconnection after TLS failures", .serialized)
struct TLSFailureTests {
    @Test("a TLS handshake failure is reported and retried forever", arguments: [MQTTProtocolVersion.v311, .v5])
    func tlsHandshakeFailureIsRetried(version: MQTTProtocolVersion) throws {
        // A plain-TCP broker answers a TLS ClientHello by closing: a handshake failure, which
        // makes libmosquitto's own loop thread give up for good.
        let broker = try MosquittoBroker()
        let (client, events) = try startClient(port: broker.port, name: "tls-plain") {
            $0.protocolVersion = version
            $0.tls = MQTTTLS(verifyPeer: false)
        }
        defer { client.stop() }
        #expect(events.wait { $0.reasons.count >= 3 })
        let reasons = events.reasons
        #expect(reasons.allSatisfy { $0.hasPrefix("TLS handshake with 127.0.0.1:\(broker.port) failed") }, "\(reasons)")
        #expect(client.status.connects == 0)
    }
}
