#if canImport(Glibc)
import Glibc
#endif
import TestHarness
import Testing

/// SIGHUP reloads the configuration (`systemctl reload`), as mosquitto does: it never ends
/// gatewayd, a valid file's log level applies at once, an invalid one keeps what runs.
@Suite("SIGHUP: reload the configuration")
struct ReloadTests {
    @Test("SIGHUP reads the file again: the log level applies at once, other changes are named, an invalid file keeps the running configuration")
    func reload() throws {
        let broker = try MosquittoBroker()
        let config = try broker.writeFile("gatewayd.yaml", contents: "log:\n  level: info\n")
        let observer = try Observer(broker: broker)
        // No --log-level flag, which would outrank the file.
        let gateway = try GatewayProcess(broker: broker, ["--config", config], logName: "gatewayd-reload.log", logLevel: nil)
        #expect(observer.waitFor("wifi-gateway/bridge/state", timeout: 10) { $0["state"]?.stringValue == "online" })
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 3) { gateway.log.contains("nothing changed") }, "\(gateway.log)")

        try MosquittoBroker.writeFile(config, contents: "log:\n  level: debug\nmqtt:\n  base_topic: elsewhere\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 3) {
            gateway.log.contains("applied log.level (now debug)") && gateway.log.contains("not applied until gatewayd restarts: mqtt.base_topic")
        }, "\(gateway.log)")

        try MosquittoBroker.writeFile(config, contents: "log:\n  level: loud\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 3) { gateway.log.contains("Reload refused") && gateway.log.contains("got 'loud'") }, "\(gateway.log)")
        // Still running, still publishing on its old base topic; SIGTERM still shuts it down in order.
        #expect(gateway.waitForExit(timeout: 0.3) == nil)
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
        #expect(observer.waitFor("wifi-gateway/bridge/state", timeout: 3) { $0["state"]?.stringValue == "offline" })
    }

    @Test("SIGHUP during start-up does not end gatewayd")
    func duringStartUp() throws {
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, [], logName: "gatewayd-early-hup.log")
        // Blocked from when the process's own code runs (CEarlySignals' constructor); before,
        // the dynamic loader is still at work (tens of milliseconds in a debug build).
        usleep(50_000)
        for _ in 0..<5 {
            gateway.kill(SIGHUP)
            usleep(20_000)
        }
        #expect(observer.waitFor("wifi-gateway/bridge/state", timeout: 10) { $0["state"]?.stringValue == "online" }, "\(gateway.log)")
        #expect(gateway.waitForExit(timeout: 0.2) == nil)
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
    }
}
