#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import TestHarness
import Testing
import SystemSupport

/// A broker that is up but refuses gatewayd: a login it does not accept, or TLS it cannot
/// verify. gatewayd must keep trying, say why in its status, and get in by itself once the
/// broker is put right, without a restart of gatewayd.
@Suite("gatewayd refused by the broker", .serialized)
struct BrokerRefusalTests {
    let bridgeState = "wifi-gateway/bridge/state"
    /// The reconnect back-off's cap (`MQTTConfiguration.reconnectDelayMax`).
    let backoffCap = 30.0

    @Test("a wrong password: retried with back-off, status says why, and in once the broker accepts it",
          arguments: ["3.1.1", "5"])
    func wrongPasswordThenFixed(version: String) throws {
        let broker = try MosquittoBroker(start: false)
        let passwords = try broker.writePasswordFile(
            users: [("gatewayd", "the-broker-password"), ("watcher", "watcher-password")])
        try broker.setExtraConfiguration(["allow_anonymous false", "password_file \(passwords)"])
        try broker.start()
        let passwordFile = try broker.writeFile("gatewayd.password", contents: "what-gatewayd-was-given\n")
        let gateway = try GatewayProcess(
            broker: broker,
            ["--mqtt-version", version, "--mqtt-user", "gatewayd", "--mqtt-password-file", passwordFile,
             "--sim-interval-ms", "200"])
        defer { gateway.kill(SIGTERM); _ = gateway.waitForExit(timeout: 5) }
        let ctl = Gatewayctl(gateway, directory: broker.directory)
        let watcher = try Observer(broker: broker, name: "watcher") {
            $0.username = "watcher"
            $0.password = "watcher-password"
        }

        // Refused three times, with back-off between (0.5 s, 1 s, ... jittered down to half):
        // not a reconnect storm, and not given up.
        let start = MonotonicInstantNow()
        #expect(eventually(timeout: 10) { gateway.log.ranges(of: "MQTT: connection refused").count >= 3 }, "\(gateway.log.suffix(2000))")
        #expect(MonotonicInstantNow() - start >= 0.7)
        #expect(gateway.waitForExit(timeout: 0) == nil, "gatewayd gave up")
        let refusals = gateway.log.ranges(of: "MQTT: connection refused").count
        #expect(refusals < 10, "\(refusals) refusals in a few seconds")

        // The status says why, as an operator reads it.
        let status = try #require(ctl.status())
        #expect(status["mqtt"]?["connected"] == false)
        let why = status["mqtt"]?["last_error"]?.stringValue ?? ""
        let expected = version == "5" ? "connection refused: not authorized (reason 0x87)" : "connection refused: not authorised"
        #expect(why.contains(expected) || why.contains("bad user name or password"), "last_error: \(why)")
        let human = try ctl.run(["status"])
        #expect(human.stdout.contains("Last error:") && human.stdout.contains("connection refused"), "\(human.stdout)")
        #expect(!watcher.allMessages.contains { $0.topic == bridgeState && $0.payload.contains("online") })

        // The operator puts the broker right (the password gatewayd has), and reloads it.
        _ = try broker.writePasswordFile(users: [("gatewayd", "what-gatewayd-was-given"), ("watcher", "watcher-password")])
        broker.reload()
        let fixed = MonotonicInstantNow()
        #expect(watcher.waitFor(bridgeState, timeout: backoffCap + 5) { $0["state"] == "online" }, "\(gateway.log.suffix(2000))")
        #expect(MonotonicInstantNow() - fixed < backoffCap)
        #expect(eventually(timeout: 5) { ctl.status()?["mqtt"]?["connected"] == true })
        #expect(ctl.status()?["mqtt"]?["connects"] == 1)
    }

    @Test("TLS it cannot verify: retried, status says TLS, and in once the broker has a certificate it trusts")
    func untrustedCertificateThenFixed() throws {
        let broker = try MosquittoBroker(start: false)
        let tlsPort = try MosquittoBroker.freeLoopbackPort()
        // The broker starts with a certificate from a CA gatewayd does not trust.
        let foreign = try TestCertificates(directory: broker.makeDirectory("foreign-ca"))
        let trusted = try TestCertificates(directory: broker.makeDirectory("trusted-ca"))
        func configuration(_ certificates: TestCertificates) -> String {
            """
            listener \(broker.port) 127.0.0.1
            allow_anonymous true
            listener \(tlsPort) 127.0.0.1
            cafile \(certificates.caCertificate)
            certfile \(certificates.serverCertificate)
            keyfile \(certificates.serverKey)
            """
        }
        try broker.setConfiguration(configuration(foreign), alsoWaitingFor: [tlsPort])
        try broker.start()
        let gateway = try GatewayProcess(
            broker: broker, ["--mqtt-ca", trusted.caCertificate, "--sim-interval-ms", "200"],
            server: "mqtts://127.0.0.1:\(tlsPort)")
        defer { gateway.kill(SIGTERM); _ = gateway.waitForExit(timeout: 5) }
        let ctl = Gatewayctl(gateway, directory: broker.directory)
        let watcher = try Observer(broker: broker, name: "watcher")

        #expect(eventually(timeout: 10) { gateway.log.ranges(of: "TLS handshake with 127.0.0.1:\(tlsPort) failed").count >= 2 },
                "\(gateway.log.suffix(2000))")
        #expect(gateway.waitForExit(timeout: 0) == nil, "gatewayd gave up")
        let status = try #require(ctl.status())
        #expect(status["mqtt"]?["connected"] == false)
        let why = status["mqtt"]?["last_error"]?.stringValue ?? ""
        #expect(why.hasPrefix("TLS handshake with 127.0.0.1:\(tlsPort) failed"), "last_error: \(why)")
        #expect(!watcher.allMessages.contains { $0.topic == bridgeState })

        // The operator installs a certificate from the CA gatewayd trusts and restarts mosquitto.
        try broker.setConfiguration(configuration(trusted), alsoWaitingFor: [tlsPort])
        try broker.restart()
        let watcherAgain = try Observer(broker: broker, name: "watcher-again")
        let fixed = MonotonicInstantNow()
        #expect(watcherAgain.waitFor(bridgeState, timeout: backoffCap + 5) { $0["state"] == "online" }, "\(gateway.log.suffix(2000))")
        #expect(MonotonicInstantNow() - fixed < backoffCap)
        #expect(eventually(timeout: 5) { ctl.status()?["mqtt"]?["connected"] == true })
    }
}
