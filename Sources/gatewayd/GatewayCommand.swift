import ArgumentParser
import Gateway
import GatewayControl
import Logging
import MQTT
import NetServer
import XousIPC
#if canImport(Glibc)
import Glibc
#endif

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
            """,
        version: gatewayVersion)

    @Option(name: .customLong("mqtt-server"), help: "Broker URL, mqtt://HOST:PORT or mqtts://HOST:PORT.")
    var mqttServer = "mqtt://127.0.0.1:1883"

    @Option(name: .customLong("mqtt-client-id"), help: "MQTT client id (default: gatewayd-<device id>).")
    var mqttClientID: String?

    @Option(name: .customLong("mqtt-version"), help: "MQTT protocol version: 3.1.1 or 5.")
    var mqttVersion = "3.1.1"

    @Option(name: .customLong("mqtt-user"), help: "User name for the broker.")
    var mqttUser: String?

    @Option(name: .customLong("mqtt-password-file"), help: "File whose first line is the broker password.")
    var mqttPasswordFile: String?

    @Option(name: .customLong("mqtt-keepalive"), help: "Keepalive in seconds (0, or 5 and more).")
    var mqttKeepalive = 60

    @Option(name: .customLong("mqtt-ca"), help: "CA certificate file for TLS.")
    var mqttCA: String?

    @Option(name: .customLong("mqtt-cert"), help: "Client certificate file for TLS.")
    var mqttCert: String?

    @Option(name: .customLong("mqtt-key"), help: "Client key file for TLS.")
    var mqttKey: String?

    @Flag(name: .customLong("mqtt-insecure"), help: "Do not verify the broker's TLS certificate.")
    var mqttInsecure = false

    @Option(name: .customLong("base-topic"), help: "Base topic.")
    var baseTopic = "wifi-gateway"

    @Option(name: .customLong("device-id"), help: "Device id for discovery (default: the host name).")
    var deviceID: String?

    @Flag(name: .customLong("no-discovery"), help: "Do not publish Home Assistant discovery.")
    var noDiscovery = false

    @Option(name: .customLong("discovery-prefix"), help: "Home Assistant discovery prefix.")
    var discoveryPrefix = "homeassistant"

    @Option(name: .customLong("health-interval-s"), help: "Seconds between <base>/bridge/health messages.")
    var healthInterval = 60

    @Option(name: .customLong("source"), help: "Wi-Fi source: sim.")
    var source = "sim"

    @Option(name: .customLong("scenario"), help: "Scenario file for the simulated source.")
    var scenario: String?

    @Option(name: .customLong("sim-interval-ms"), help: "Milliseconds between simulated state changes.")
    var simIntervalMs = 1000

    @Option(name: .customLong("sim-seed"), help: "Seed of the default simulated scenario.")
    var simSeed: UInt64 = 1

    @Option(
        name: .customLong("control-socket"),
        help: "Control socket for gatewayctl (default: $GATEWAY_CONTROL_SOCKET, else /run/gatewayd/gatewayd.sock for root, $XDG_RUNTIME_DIR/gatewayd/gatewayd.sock or /tmp/gatewayd-<uid>/gatewayd.sock for others).")
    var controlSocket: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got '\(logLevel)'")
        }
        guard source == "sim" else {
            throw ValidationError("--source must be 'sim' (the Linux source is not built yet); got '\(source)'")
        }
        guard ["3.1.1", "5"].contains(mqttVersion) else {
            throw ValidationError("--mqtt-version must be 3.1.1 or 5; got '\(mqttVersion)'")
        }
        guard simIntervalMs >= 1 else { throw ValidationError("--sim-interval-ms must be at least 1") }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gatewayd")
        Signals.blockTermination()

        var gatewayConfiguration = GatewayConfiguration(
            baseTopic: baseTopic,
            discoveryEnabled: !noDiscovery,
            discoveryPrefix: discoveryPrefix,
            healthIntervalSeconds: healthInterval)
        if let deviceID { gatewayConfiguration.deviceID = deviceID }
        do {
            try gatewayConfiguration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        let mqtt = try MQTTClient(configuration: mqttConfiguration(gatewayConfiguration), logger: Logger(label: "mqtt"))

        let wifiScenario: WifiScenario
        do {
            wifiScenario = try scenario.map { try WifiScenario.load(path: $0, defaultIntervalMs: simIntervalMs) }
                ?? WifiScenario.default(seed: simSeed, intervalMs: simIntervalMs)
        } catch {
            throw ValidationError("\(error)")
        }

        let kernel = Kernel()
        let gateway = try GatewayServer(kernel: kernel, configuration: gatewayConfiguration, mqtt: mqtt, logger: logger)
        let socketPath = ControlSocketPath.resolve(option: controlSocket)
        let control: ControlSocketServer
        do {
            control = try ControlSocketServer(path: socketPath.path, gateway: gateway, logger: Logger(label: "control"))
        } catch {
            logger.critical("Control socket: \(error)")
            kernel.shutdown()
            throw ExitCode.failure
        }
        let net = try NetService(kernel: kernel, source: SimulatedWifiSource(scenario: wifiScenario), logger: Logger(label: "net"))
        try Signals.onTermination({ gateway.requestShutdown() }, beforeForcedExit: { control.removeSocketFile() })
        logger.info("Publishing to \(mqtt.configuration.serverURL) under \(baseTopic)/ (watch with: mosquitto_sub -h HOST -p PORT -t '\(baseTopic)/#' -v)")
        logger.info("Control socket at \(socketPath.path) (\(socketPath.source)); try: gatewayctl --control-socket \(socketPath.path) status")
        try gateway.run()
        control.stop()
        net.stop()
        kernel.shutdown()
    }

    private func mqttConfiguration(_ gateway: GatewayConfiguration) throws -> MQTTConfiguration {
        let clientID = mqttClientID ?? String("gatewayd-\(gateway.deviceID)".utf8.prefix(23))!
        var configuration: MQTTConfiguration
        do {
            configuration = try MQTTConfiguration.server(mqttServer, clientID: clientID)
        } catch {
            throw ValidationError("--mqtt-server: \(error)")
        }
        configuration.keepAliveSeconds = mqttKeepalive
        configuration.protocolVersion = mqttVersion == "5" ? .v5 : .v311
        configuration.username = mqttUser
        if let mqttPasswordFile {
            configuration.password = try readFirstLine(mqttPasswordFile, option: "--mqtt-password-file")
        }
        if mqttCA != nil || mqttCert != nil || mqttKey != nil || mqttInsecure || configuration.tls != nil {
            var tls = configuration.tls ?? MQTTTLS()
            tls.caFile = mqttCA ?? tls.caFile
            tls.certFile = mqttCert
            tls.keyFile = mqttKey
            tls.verifyPeer = !mqttInsecure
            configuration.tls = tls
        }
        configuration.will = GatewayServer.will(for: gateway)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return configuration
    }

    private func readFirstLine(_ path: String, option: String) throws -> String {
        guard let file = fopen(path, "r") else {
            throw ValidationError("\(option): cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return "" }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(line.prefix { $0 != "\n" && $0 != "\r" })
    }
}
