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

        try MosquittoBroker.writeFile(config, contents: "log:\n  level: debug\nsource:\n  interval_ms: 250\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 3) {
            gateway.log.contains("applied log.level (now debug)") && gateway.log.contains("not applied until gatewayd restarts: source.interval_ms")
        }, "\(gateway.log)")

        try MosquittoBroker.writeFile(config, contents: "log:\n  level: loud\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 3) { gateway.log.contains("Reload refused") && gateway.log.contains("got 'loud'") }, "\(gateway.log)")
        // Still running as it was; SIGTERM still shuts it down in order.
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

    /// gatewayd on `broker` with `config`, seen online; SIGHUP after rewriting `config` reloads.
    static func started(
        _ broker: MosquittoBroker, _ contents: String, log: String, serverInFile: Bool = false, deviceIDInFile: Bool = false
    ) throws -> (config: String, observer: Observer, gateway: GatewayProcess) {
        let config = try broker.writeFile("gatewayd-\(log).yaml", contents: contents)
        let observer = try Observer(broker: broker, name: "watch-\(log)")
        let gateway = try GatewayProcess(
            broker: broker, ["--config", config], server: serverInFile ? "" : nil, logName: log, logLevel: nil,
            deviceID: deviceIDInFile ? nil : "testdev")
        #expect(observer.waitFor("wifi-gateway/bridge/state", timeout: 10) { $0["state"]?.stringValue == "online" }, "\(gateway.log)")
        #expect(observer.waitFor("wifi-gateway/bridge/discovery", timeout: 10), "\(gateway.log)")
        return (config, observer, gateway)
    }

    @Test("a new base topic: the retained state under the old one is cleared, everything is published under the new one, control moves")
    func baseTopicMoves() throws {
        let broker = try MosquittoBroker()
        let (config, observer, gateway) = try Self.started(broker, "source:\n  interval_ms: 200\n", log: "base.log")
        #expect(observer.waitFor("wifi-gateway/wlan/state"))
        try MosquittoBroker.writeFile(config, contents: "source:\n  interval_ms: 200\nmqtt:\n  base_topic: elsewhere\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 3) { gateway.log.contains("applied mqtt.base_topic") }, "\(gateway.log)")
        #expect(observer.waitFor("elsewhere/bridge/state") { $0["state"]?.stringValue == "online" }, "\(gateway.log)")
        #expect(observer.waitFor("elsewhere/wlan/state", count: 2))
        // The discovery follows (same topic, same unique ids), its availability on the new base.
        #expect(observer.waitFor("homeassistant/device/testdev/config") {
            $0["cmps"]?["rssi"]?["state_topic"]?.stringValue == "elsewhere/wlan/state"
        })
        // Nothing stays retained under the old base. (The broker may publish the old
        // connection's last will when the new one takes the session over; it is cleared again.)
        #expect(eventually(timeout: 3) { (try? RemoveDiscoveryTests.retained(broker, "wifi-gateway/#", name: "old-base"))?.isEmpty == true })
        #expect(observer.recorder.snapshot.messages.last { $0.topic == "wifi-gateway/bridge/state" }?.payload == "")
        // Requests go to the new control topic; the old one is no longer heard.
        try observer.publish("wifi-gateway/control", Array("status".utf8))
        try observer.publish("elsewhere/control", Array(#"{"command":"status","transaction":7}"#.utf8))
        #expect(observer.waitFor("elsewhere/control/response") { $0["transaction"]?.intValue == 7 })
        pause(0.3)
        #expect(observer.payloads("wifi-gateway/control/response").isEmpty)
        #expect(observer.payloads("elsewhere/control/response").count == 1)
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
        #expect(observer.waitFor("elsewhere/bridge/state") { $0["state"]?.stringValue == "offline" })
    }

    @Test("a new device id, then the per-entity form, then discovery off: each reload moves or clears what is on the broker")
    func discoveryMoves() throws {
        let broker = try MosquittoBroker()
        let (config, observer, gateway) = try Self.started(broker, "device_id: first\n", log: "discovery.log", deviceIDInFile: true)
        let pid = gateway.pid
        #expect(try DiscoveryCleanupTests.retained(broker) == ["homeassistant/device/first/config"])

        try MosquittoBroker.writeFile(config, contents: "device_id: second\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 5) { (try? DiscoveryCleanupTests.retained(broker)) == ["homeassistant/device/second/config"] })

        try MosquittoBroker.writeFile(config, contents: "device_id: second\nhomeassistant:\n  discovery: entity\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 5) { (try? DiscoveryCleanupTests.retained(broker))?.count == 6 })
        // Home Assistant's rollback: the device config was marked before it was cleared.
        #expect(observer.payloads("homeassistant/device/second/config").suffix(2) == [#"{"migrate_discovery":true}"#, ""])

        try MosquittoBroker.writeFile(config, contents: "device_id: second\nhomeassistant:\n  enabled: false\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 5) { (try? DiscoveryCleanupTests.retained(broker))?.isEmpty == true })
        #expect(eventually(timeout: 3) {
            (try? RemoveDiscoveryTests.retained(broker, "wifi-gateway/bridge/discovery", name: "record"))?.isEmpty == true
        })
        // All of it without a restart.
        #expect(gateway.pid == pid && gateway.waitForExit(timeout: 0.1) == nil)
        #expect(gateway.log.components(separatedBy: "gatewayd up").count == 2, "started once")
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
    }

    @Test("new MQTT settings reconnect: offline on the old broker, everything on the new one")
    func newBroker() throws {
        let first = try MosquittoBroker()
        let second = try MosquittoBroker()
        let (config, observer, gateway) = try Self.started(
            first, "mqtt:\n  server: mqtt://127.0.0.1:\(first.port)\n", log: "broker.log", serverInFile: true)
        let watcher = try Observer(broker: second, name: "second")
        try MosquittoBroker.writeFile(config, contents: "mqtt:\n  server: mqtt://127.0.0.1:\(second.port)\n")
        gateway.kill(SIGHUP)
        #expect(eventually(timeout: 3) { gateway.log.contains("applied mqtt.server") }, "\(gateway.log)")
        #expect(observer.waitFor("wifi-gateway/bridge/state") { $0["state"]?.stringValue == "offline" }, "\(gateway.log)")
        #expect(watcher.waitFor("wifi-gateway/bridge/state") { $0["state"]?.stringValue == "online" }, "\(gateway.log)")
        #expect(watcher.waitFor("homeassistant/device/testdev/config"))
        #expect(watcher.waitFor("wifi-gateway/wlan/state"))
        // gatewayctl says where it publishes now.
        let status = Gatewayctl(gateway, directory: second.directory).status()
        #expect(status.map { $0.serialized.contains("127.0.0.1:\(second.port)") } == true, "\(status?.serialized ?? "no status")")
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
    }

    @Test("a new health interval applies at once")
    func healthInterval() throws {
        let broker = try MosquittoBroker()
        let (config, observer, gateway) = try Self.started(broker, "health:\n  interval_s: 3600\n", log: "health.log")
        #expect(observer.waitFor("wifi-gateway/bridge/health"))
        let before = observer.payloads("wifi-gateway/bridge/health").count
        try MosquittoBroker.writeFile(config, contents: "health:\n  interval_s: 1\n")
        gateway.kill(SIGHUP)
        #expect(observer.waitFor("wifi-gateway/bridge/health", count: before + 3, timeout: 6), "\(gateway.log)")
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
    }

    @Test("reloads while every thread is busy: each one is answered, and SIGTERM still ends gatewayd (the file is read by a fresh helper process, never a fork of a multithreaded one)")
    func reloadsUnderLoad() throws {
        let broker = try MosquittoBroker()
        let (config, _, gateway) = try Self.started(broker, "source:\n  interval_ms: 2\n", log: "busy.log")
        for round in 1...40 {
            try MosquittoBroker.writeFile(config, contents: "source:\n  interval_ms: 2\nlog:\n  level: \(round % 2 == 0 ? "info" : "notice")\n")
            gateway.kill(SIGHUP)
            let answered = eventually(timeout: 5) { gateway.log.components(separatedBy: "Reload: ").count - 1 >= round }
            #expect(answered, "reload \(round) was not answered")
            if !answered { break }
        }
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
    }
}
