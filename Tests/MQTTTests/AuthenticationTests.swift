import MQTT
import TestHarness
import Testing

/// Username and password against a broker with `allow_anonymous false` and a password file.
@Suite("Authentication", .serialized)
struct AuthenticationTests {
    /// A broker that admits only `gateway` / `right`.
    private func securedBroker() throws -> MosquittoBroker {
        let broker = try MosquittoBroker(start: false)
        let file = try broker.writePasswordFile(user: "gateway", password: "right")
        try broker.setExtraConfiguration(["allow_anonymous false", "password_file \(file)"])
        // Replaces the listener-wide "allow_anonymous true" written first: the last one wins.
        try broker.start()
        return broker
    }

    @Test("the right password connects", arguments: [MQTTProtocolVersion.v311, .v5])
    func rightPassword(version: MQTTProtocolVersion) throws {
        let broker = try securedBroker()
        let (client, events) = try startClient(port: broker.port, name: "auth-ok") {
            $0.protocolVersion = version
            $0.username = "gateway"
            $0.password = "right"
        }
        defer { client.stop() }
        #expect(events.wait { $0.connects == 1 })
        #expect(client.status.attempts == 1)
        #expect(client.status.lastError == nil)
    }

    @Test("no credentials at all are refused", arguments: [MQTTProtocolVersion.v311, .v5])
    func anonymousRefused(version: MQTTProtocolVersion) throws {
        let broker = try securedBroker()
        let (client, events) = try startClient(port: broker.port, name: "auth-anon") { $0.protocolVersion = version }
        defer { client.stop() }
        #expect(events.wait { $0.reasons.count >= 2 })
        #expect(client.status.lastError?.hasPrefix("connection refused: not author") == true)
        #expect(!client.isConnected)
    }

    @Test("a wrong password keeps retrying with back-off, says why, and connects once the broker accepts it",
          arguments: [MQTTProtocolVersion.v311, .v5])
    func wrongPasswordThenFixed(version: MQTTProtocolVersion) throws {
        let broker = try securedBroker()
        let (client, events) = try startClient(port: broker.port, name: "auth-wrong") {
            $0.protocolVersion = version
            $0.username = "gateway"
            $0.password = "wrong"
            $0.reconnectDelayInitial = 0.1
            $0.reconnectDelayMax = 0.4
        }
        defer { client.stop() }
        #expect(events.wait { $0.reasons.count >= 4 })
        let reasons = events.reasons
        let expected = version == .v311
            ? "connection refused: not authorised"
            : "connection refused: not authorized (reason 0x87)"
        #expect(reasons.allSatisfy { $0 == expected }, "\(reasons)")
        #expect(client.status.lastError == expected)
        #expect(client.status.attempts >= 4)
        #expect(client.status.connects == 0)
        #expect(!client.isConnected)
        // MQTT 5 refusals make libmosquitto's own loop thread give up for good; ours goes on.
        let attemptsBefore = client.status.attempts
        #expect(eventually { client.status.attempts > attemptsBefore })

        try broker.writePasswordFile(user: "gateway", password: "wrong")
        try broker.restart()
        #expect(events.wait { $0.connects == 1 })
        #expect(client.isConnected)
    }

    @Test("back-off spaces the attempts out: a refused login does not become a reconnect storm")
    func backoffSpacesAttempts() throws {
        let broker = try securedBroker()
        let (client, _) = try startClient(port: broker.port, name: "auth-storm") {
            $0.username = "gateway"
            $0.password = "wrong"
            $0.reconnectDelayInitial = 0.2
            $0.reconnectDelayMax = 0.4
        }
        defer { client.stop() }
        pause(1.5)
        // Delays: 0.1–0.2, 0.2–0.4, then 0.2–0.4 each: at most 7 attempts in 1.5 s, at least 4.
        let attempts = client.status.attempts
        #expect((4...7).contains(attempts), "\(attempts) attempts in 1.5 s")
    }
}
