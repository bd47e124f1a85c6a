import ArgumentParser
import CEarlySignals
import Gateway
import GatewayConfig
import GatewayControl
import Logging
import MQTT
import NetServer
import Synchronization
import WifiSourceSettings
import XousIPC
#if canImport(Glibc)
import Glibc
#endif
import SystemSupport

/// `gatewayd`: republishes each Wi-Fi status the net server pushes to an MQTT broker.
@main
struct GatewayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "Republish Wi-Fi state pushed by the net server to an MQTT broker.",
        discussion: """
            Subscribes to the net server through a one-time bouncer server and publishes each \
            WlanStatusIpc to <base>/wlan/state, with online/offline on <base>/bridge/state (also \
            the last will), Home Assistant discovery, and a control topic <base>/control.

            Settings come from, in rising precedence: defaults, the YAML file of --config (or \
            GATEWAY_CONFIG), GATEWAY_* environment variables (GATEWAY_ + the key's path in \
            capitals, e.g. GATEWAY_MQTT_SERVER), and these flags. config/gatewayd.yaml documents \
            every key. A bad setting stops gatewayd with exit code 78 and says which key, in \
            which file or variable.
            """,
        version: gatewayVersion)

    @Option(name: .customLong("config"), help: "YAML configuration file (also GATEWAY_CONFIG).")
    var config: String?

    @Flag(name: .customLong("check-config"), help: "Check the settings, print them with their origins, and exit.")
    var checkConfig = false

    @Flag(name: .customLong("remove-discovery"), help: "Clear every retained Home Assistant discovery config of this device id from the broker, and exit.")
    var removeDiscovery = false

    @Flag(name: .customLong("purge"), help: "With --remove-discovery: clear this gateway's retained state topics too.")
    var purge = false

    @Option(name: .customLong("mqtt-server"), help: "Broker URL, mqtt://HOST:PORT or mqtts://HOST:PORT (default mqtt://127.0.0.1:1883).")
    var mqttServer: String?

    @Option(name: .customLong("mqtt-client-id"), help: "MQTT client id (default: gatewayd-<device id>).")
    var mqttClientID: String?

    @Option(name: .customLong("mqtt-version"), help: "MQTT protocol version: 3.1.1 (default) or 5.")
    var mqttVersion: String?

    @Option(name: .customLong("mqtt-user"), help: "User name for the broker.")
    var mqttUser: String?

    @Option(name: .customLong("mqtt-password-file"), help: "File whose first line is the broker password.")
    var mqttPasswordFile: String?

    @Option(name: .customLong("mqtt-keepalive"), help: "Keepalive in seconds: 0, or 5 and more (default 60).")
    var mqttKeepalive: String?

    @Option(name: .customLong("mqtt-ca"), help: "CA certificate file for TLS.")
    var mqttCA: String?

    @Option(name: .customLong("mqtt-cert"), help: "Client certificate file for TLS.")
    var mqttCert: String?

    @Option(name: .customLong("mqtt-key"), help: "Client key file for TLS.")
    var mqttKey: String?

    @Flag(name: .customLong("mqtt-insecure"), help: "Do not verify the broker's TLS certificate.")
    var mqttInsecure = false

    @Option(name: .customLong("base-topic"), help: "Base topic (default wifi-gateway).")
    var baseTopic: String?

    @Option(name: .customLong("device-id"), help: "Device id for discovery (default: the host name).")
    var deviceID: String?

    @Flag(inversion: .prefixedNo, help: "Publish Home Assistant discovery (default: on).")
    var discovery: Bool?

    @Option(
        name: .customLong("discovery-form"),
        help: "device: one device discovery config (default; Home Assistant 2024.11 and later); entity: one config per entity.")
    var discoveryForm: String?

    @Option(name: .customLong("discovery-prefix"), help: "Home Assistant discovery prefix (default homeassistant).")
    var discoveryPrefix: String?

    @Option(name: .customLong("ha-status-topic"), help: "Home Assistant's status topic (default homeassistant/status).")
    var haStatusTopic: String?

    @Option(name: .customLong("health-interval-s"), help: "Seconds between <base>/bridge/health messages (default 60).")
    var healthInterval: String?

    @OptionGroup var sourceOptions: SourceOptions

    @Option(
        name: .customLong("control-socket"),
        help: "Control socket for gatewayctl (default: /run/gatewayd/gatewayd.sock for root, $XDG_RUNTIME_DIR/gatewayd/gatewayd.sock or /tmp/gatewayd-<uid>/gatewayd.sock for others).")
    var controlSocket: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info (default), notice, warning, error or critical.")
    var logLevel: String?

    @Option(
        name: .customLong("xous"),
        help: "embedded: run our own kernel and net server in this process; hosted: join the Xous hosted-mode kernel of XOUS_SERVER, whose netserverd owns the Wi-Fi (default: hosted when XOUS_SERVER is set).")
    var xous: XousMode?

    enum XousMode: String, ExpressibleByArgument, CaseIterable {
        case embedded, hosted
    }

    /// The flags given, by setting path; each checked like any other layer.
    private var flagLayer: [String: (value: String, flag: String)] {
        var layer: [String: (value: String, flag: String)] = [:]
        func add(_ path: String, _ value: String?, _ flag: String) {
            if let value { layer[path] = (value, flag) }
        }
        add("mqtt.server", mqttServer, "--mqtt-server")
        add("mqtt.client_id", mqttClientID, "--mqtt-client-id")
        add("mqtt.version", mqttVersion, "--mqtt-version")
        add("mqtt.user", mqttUser, "--mqtt-user")
        add("mqtt.password_file", mqttPasswordFile, "--mqtt-password-file")
        add("mqtt.keepalive", mqttKeepalive, "--mqtt-keepalive")
        add("mqtt.ca", mqttCA, "--mqtt-ca")
        add("mqtt.cert", mqttCert, "--mqtt-cert")
        add("mqtt.key", mqttKey, "--mqtt-key")
        add("mqtt.reject_unauthorized", mqttInsecure ? "false" : nil, "--mqtt-insecure")
        add("mqtt.base_topic", baseTopic, "--base-topic")
        add("device_id", deviceID, "--device-id")
        add("homeassistant.enabled", discovery.map { $0 ? "true" : "false" }, discovery == false ? "--no-discovery" : "--discovery")
        add("homeassistant.discovery", discoveryForm, "--discovery-form")
        add("homeassistant.discovery_prefix", discoveryPrefix, "--discovery-prefix")
        add("homeassistant.status_topic", haStatusTopic, "--ha-status-topic")
        add("health.interval_s", healthInterval, "--health-interval-s")
        sourceOptions.add(to: &layer)
        add("control.socket", controlSocket, "--control-socket")
        add("log.level", logLevel, "--log-level")
        return layer
    }

    /// Blocks SIGTERM and SIGINT before the command line is even parsed, so that from the first
    /// line of gatewayd's own code a signal is taken by `Signals`, not by its default action.
    static func main() {
        // gatewayd run as its own settings reader (IsolatedSettings) answers and exits here.
        IsolatedSettings.serveReaderIfAsked()
        // Already blocked by CEarlySignals' constructor; this keeps it linked and sets the
        // dispositions a shell may have changed.
        gatewayd_early_signals_linked()
        Signals.blockTermination()
        main(nil)
    }

    func run() throws {
        // First: a signal must end the process at any moment, even while the settings are read.
        let lifecycle = try Signals.install()
        let environment = ProcessEnvironment.current()
        let file = config ?? environment["GATEWAY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let resolved: ResolvedGateway
        let warnings: [SettingsError]
        do {
            let settings: GatewaySettings
            if let file, !checkConfig {
                (settings, warnings) = try IsolatedSettings.load(file: file, environment: environment, flags: flagLayer)
            } else {
                settings = try GatewaySettings.load(file: file, environment: environment, flags: flagLayer)
                warnings = settings.warnings
            }
            resolved = try ResolvedGateway(settings)
        } catch {
            Self.complain("gatewayd: configuration error\n\(error)")
            throw ExitCode(78)  // EX_CONFIG: systemd's RestartPreventExitStatus can stop a restart loop on it
        }
        for warning in warnings { Self.complain("gatewayd: warning: \(warning)") }
        if checkConfig {
            print(resolved.checkReport())
            return
        }
        if purge && !removeDiscovery {
            Self.complain("gatewayd: --purge goes with --remove-discovery")
            throw ExitCode(2)
        }
        if removeDiscovery {
            try Self.removeDiscovery(resolved, purge: purge)
            return
        }

        SharedLevelLogHandler.level.withLock { $0 = resolved.logLevel }
        LoggingSystem.bootstrap { SharedLevelLogHandler(label: $0) }
        let logger = Logger(label: "gatewayd")
        if let file { logger.info("Configuration from \(file)") }
        let running = RunningSettings(resolved)
        lifecycle.onReload { [flagLayer] in
            Self.reload(file: file, flags: flagLayer, running: running, logger: logger)
        }

        let mode = xous ?? (HostedEnvironment.isPresent(in: environment) ? .hosted : .embedded)
        // Hosted: this OS process is one Xous process of a hosted-mode kernel, and the net
        // server is another (netserverd). Embedded: the kernel and the net server live here.
        let process: XousProcess
        var kernel: Kernel?
        if mode == .hosted {
            do {
                process = try XousProcess.joinHosted(try HostedEnvironment(environment: environment), name: "gatewayd")
            } catch {
                Self.complain("gatewayd: --xous hosted: \(error)")
                throw ExitCode(2)
            }
            logger.info("Joined the Xous hosted-mode kernel as PID \(process.pid)")
        } else {
            let embedded = Kernel()
            kernel = embedded
            process = try embedded.createProcess(name: "gateway")
        }
        let mqtt = try MQTTClient(configuration: resolved.mqtt, logger: Logger(label: "mqtt"))
        let gateway = try GatewayServer(process: process, configuration: resolved.gateway, mqtt: mqtt, logger: logger)
        running.gateway.withLock { $0 = gateway }
        let control: ControlSocketServer
        do {
            control = try ControlSocketServer(path: resolved.controlSocket.path, gateway: gateway, logger: Logger(label: "control"))
        } catch {
            logger.critical("Control socket: \(error)")
            kernel?.shutdown()
            process.terminate()
            throw ExitCode.failure
        }
        let net = try kernel.map { try NetService(kernel: $0, source: resolved.makeSource(), logger: Logger(label: "net")) }
        lifecycle.serve({
            guard gateway.isServing else { return false }
            gateway.requestShutdown()
            return true
        }, cleanup: { control.removeSocketFile() })
        let base = resolved.gateway.baseTopic
        logger.info("Publishing to \(resolved.mqtt.serverURL) under \(base)/ (watch with: mosquitto_sub -h HOST -p PORT -t '\(base)/#' -v)")
        logger.info("Control socket at \(resolved.controlSocket.path) (\(resolved.controlSocket.source)); try: gatewayctl --control-socket \(resolved.controlSocket.path) status")
        try gateway.run()
        control.stop()
        net?.stop()
        kernel?.shutdown()
        if mode == .hosted {
            // The kernel went away under us (gateway.run has published offline already): a
            // supervisor must see a failure and restart the set.
            if process.isTerminated && !gateway.shutdownWasRequested {
                logger.critical("The connection to the Xous kernel ended")
                throw ExitCode.failure
            }
            process.terminate()
        }
    }

    /// SIGHUP: reads the file and the environment again, with the same flags, and reports every
    /// problem as at start. An invalid configuration keeps the running one. A valid one is
    /// applied: the log level at once, the MQTT, topic, discovery and health settings by the
    /// gateway's main loop (`GatewayServer.reconfigure`). What only a restart can change (the
    /// Wi-Fi source, the control socket) is named as waiting for one.
    static func reload(
        file: String?, flags: [String: (value: String, flag: String)], running: RunningSettings, logger: Logger
    ) {
        let environment = ProcessEnvironment.current()
        let fresh: ResolvedGateway
        do {
            let (settings, warnings) = try file.map { try IsolatedSettings.load(file: $0, environment: environment, flags: flags) }
                ?? { let settings = try GatewaySettings.load(file: nil, environment: environment, flags: flags); return (settings, settings.warnings) }()
            fresh = try ResolvedGateway(settings)
            for warning in warnings { logger.warning("Reload: \(warning)") }
        } catch {
            logger.error("Reload refused, the running configuration stays:\n\(error)")
            return
        }
        let (old, oldMQTT, gateway) = running.snapshot
        let changed = SettingKey.all.map(\.path).filter { fresh.settings.entry($0)?.value != old.entry($0)?.value }
        // A password file read again may hold another password under the same path.
        let mqttChanged = fresh.mqtt != oldMQTT
        guard !changed.isEmpty || mqttChanged else {
            logger.notice("Reload: \(file ?? "the environment") read again; nothing changed")
            return
        }
        var applied: [String] = []
        var later: [String] = []
        for path in changed {
            if path == "log.level" {
                SharedLevelLogHandler.level.withLock { $0 = fresh.logLevel }
                applied.append("log.level (now \(fresh.logLevel))")
            } else if Self.restartOnly(path) || gateway == nil {
                later.append(path)
            } else {
                applied.append(path)
            }
        }
        if mqttChanged, changed.allSatisfy({ !$0.hasPrefix("mqtt.") && $0 != "device_id" }), gateway != nil {
            applied.append("mqtt.password_file (its contents)")
        }
        if let gateway, applied.contains(where: { !$0.hasPrefix("log.level") }) {
            gateway.reconfigure(fresh.gateway, mqtt: fresh.mqtt)
        }
        running.update { settings, mqtt in
            // Only what was applied becomes the running configuration; the rest still differs
            // next time, and is named again.
            for path in changed where !later.contains(path) { settings.replace(path, with: fresh.settings.entry(path)) }
            if gateway != nil { mqtt = fresh.mqtt }
        }
        var parts: [String] = []
        if !applied.isEmpty { parts.append("applied " + applied.joined(separator: ", ")) }
        if !later.isEmpty { parts.append("not applied until gatewayd restarts: " + later.joined(separator: ", ")) }
        logger.notice("Reload: \(parts.joined(separator: "; "))")
    }

    /// Settings that only a restart applies: the Wi-Fi source (the net server's, in its own
    /// process in hosted mode) and the control socket gatewayctl already knows.
    static func restartOnly(_ path: String) -> Bool {
        path.hasPrefix("source.") || path == "control.socket"
    }

    /// `--remove-discovery [--purge]`: connects as a client of its own (so a running gatewayd
    /// is not kicked off), reads back which of this device id's discovery topics the broker
    /// keeps (either form, and those its record names under an earlier id or prefix), clears
    /// each with an empty retained message (and with `purge` the retained state topics), waits
    /// for the broker's acknowledgements and disconnects. Home Assistant removes the device.
    static func removeDiscovery(_ resolved: ResolvedGateway, purge: Bool) throws {
        var configuration = resolved.mqtt
        configuration.clientID = "gatewayd-rm-\(getpid())"
        configuration.will = nil
        let client = try MQTTClient(configuration: configuration, logger: Logger(label: "mqtt"))
        let reader = ScanReader(DiscoveryScan(resolved.gateway, token: "rm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"))
        client.setDelegate(reader)
        for filter in reader.filters { client.subscribe(filter, qos: 1) }
        try client.start()
        guard reader.waitConnected(seconds: 10) else {
            client.stop()
            complain("gatewayd: --remove-discovery: could not reach \(configuration.serverURL): \(reader.lastReason ?? "no answer")")
            throw ExitCode.failure
        }
        // Subscribed before the connection was reported, so the marker comes back after
        // whatever those subscriptions bring.
        _ = try? client.publish(MQTTMessage(topic: reader.markerTopic, payload: reader.marker, qos: 1, retain: false))
        let topics = Topics(resolved.gateway)
        var clear: [String]
        if let scan = reader.waitComplete(seconds: 5) {
            var off = resolved.gateway
            off.discoveryEnabled = false
            let plan = DiscoveryPlan.make(off, found: scan.found, known: scan.recordedElsewhere, recordPresent: scan.recordPresent)
            clear = plan.clear + (plan.clearRecord ? [topics.discoveryRecord] : [])
        } else {
            // Nothing came back (an ACL that lets gatewayd write but not read): clear every
            // topic this device id may have used, in both forms.
            complain("gatewayd: --remove-discovery: the broker did not give back the retained discovery within 5 s; clearing every discovery topic of \(resolved.gateway.deviceID) in both forms")
            clear = Discovery.candidateTopics(prefix: resolved.gateway.discoveryPrefix, id: resolved.gateway.deviceID) + [topics.discoveryRecord]
        }
        if purge { clear += topics.retainedState.filter { !clear.contains($0) } }
        guard let last = clear.last else {
            client.stop()
            print("nothing to clear: the broker keeps no discovery of device \(resolved.gateway.deviceID)")
            return
        }
        for topic in clear.dropLast() {
            try client.publish(MQTTMessage(topic: topic, payload: [], qos: 1, retain: true))
        }
        // The last one is acknowledged before the disconnect; the broker handles a client's
        // messages in order, so the others are in by then.
        client.stop(finalMessage: MQTTMessage(topic: last, payload: [], qos: 1, retain: true), timeout: 5)
        print("cleared \(clear.count) retained topics of device \(resolved.gateway.deviceID) (\(clear.joined(separator: ", ")))")
    }

    /// A short-lived client's view: its first connection, and a discovery scan it feeds.
    final class ScanReader: MQTTClientDelegate, @unchecked Sendable {
        private let lock = ConditionLock()
        private var connected = false
        private var scan: DiscoveryScan
        private(set) var lastReason: String?
        let filters: [String]
        let markerTopic: String
        let marker: [UInt8]

        init(_ scan: DiscoveryScan) {
            self.scan = scan
            filters = scan.filters
            markerTopic = scan.markerTopic
            marker = scan.marker
        }

        func mqttDidConnect(_ client: MQTTClient) { lock.withLock { connected = true; lock.broadcast() } }
        func mqttDidDisconnect(_ client: MQTTClient, reason: String) { lock.withLock { lastReason = reason } }
        func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8]) {
            lock.withLock {
                _ = scan.take(topic: topic, payload: payload)
                if scan.isComplete { lock.broadcast() }
            }
        }

        func waitConnected(seconds: Double) -> Bool {
            let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(seconds * 1000))
            return lock.withLock {
                while !connected, lock.wait(until: deadline) {}
                return connected
            }
        }

        /// The scan once its marker is back; nil if it is not back in time.
        func waitComplete(seconds: Double) -> DiscoveryScan? {
            let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(seconds * 1000))
            return lock.withLock {
                while !scan.isComplete, lock.wait(until: deadline) {}
                return scan.isComplete ? scan : nil
            }
        }
    }

    /// The settings gatewayd runs with, as reloads change them, and the gateway that applies
    /// them once it exists.
    final class RunningSettings: Sendable {
        private let value: Mutex<(settings: GatewaySettings, mqtt: MQTTConfiguration)>
        let gateway = Mutex<GatewayServer?>(nil)

        init(_ resolved: ResolvedGateway) { value = Mutex((resolved.settings, resolved.mqtt)) }

        var snapshot: (GatewaySettings, MQTTConfiguration, GatewayServer?) {
            let (settings, mqtt) = value.withLock { ($0.settings, $0.mqtt) }
            return (settings, mqtt, gateway.withLock { $0 })
        }

        func update(_ body: (inout GatewaySettings, inout MQTTConfiguration) -> Void) {
            value.withLock { body(&$0.settings, &$0.mqtt) }
        }
    }

    static func complain(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
