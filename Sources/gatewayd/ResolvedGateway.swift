import Gateway
import GatewayConfig
import GatewayControl
import Logging
import MQTT
import NetServer
import SystemSupport
import WifiSourceSettings
#if canImport(Glibc)
import Glibc
#endif

/// The settings turned into what gatewayd runs with, every problem reported against the key
/// and the file, variable or flag it came from.
struct ResolvedGateway {
    let settings: GatewaySettings
    let gateway: GatewayConfiguration
    let mqtt: MQTTConfiguration
    /// The Wi-Fi source of the embedded net server (unused when the net server is a process).
    let source: ResolvedSource
    var scenario: WifiScenario { source.scenario }
    let logLevel: Logger.Level
    let controlSocket: (path: String, source: String)

    init(_ settings: GatewaySettings, environment: [String: String] = ProcessEnvironment.current()) throws(SettingsErrors) {
        self.settings = settings
        var errors: [SettingsError] = []

        var gateway = GatewayConfiguration(
            baseTopic: settings.string("mqtt.base_topic") ?? "wifi-gateway",
            discoveryEnabled: settings.bool("homeassistant.enabled") ?? true,
            discoveryForm: settings.string("homeassistant.discovery").flatMap(DiscoveryForm.init(rawValue:)) ?? .device,
            discoveryPrefix: settings.string("homeassistant.discovery_prefix") ?? "homeassistant",
            homeAssistantStatusTopic: settings.string("homeassistant.status_topic") ?? "homeassistant/status",
            healthIntervalSeconds: settings.int("health.interval_s") ?? 60)
        if let deviceID = settings.string("device_id") { gateway.deviceID = deviceID }
        do {
            try gateway.validate()
        } catch {
            errors.append(settings.error(error.key, error.message))
        }
        self.gateway = gateway

        mqtt = Self.mqtt(settings, gateway: gateway, errors: &errors)

        source = ResolvedSource(settings, errors: &errors)
        logLevel = settings.string("log.level").flatMap(Logger.Level.init(rawValue:)) ?? .info
        if let socket = settings.string("control.socket") {
            controlSocket = (socket, settings.origin("control.socket").description)
        } else {
            controlSocket = (ControlSocketPath.defaultPath(environment: environment, uid: ControlSocketPath.currentUID()), "the default for this user")
        }
        guard errors.isEmpty else { throw SettingsErrors(errors: errors) }
    }

    private static func mqtt(_ settings: GatewaySettings, gateway: GatewayConfiguration, errors: inout [SettingsError]) -> MQTTConfiguration {
        let clientID = settings.string("mqtt.client_id") ?? String("gatewayd-\(gateway.deviceID)".utf8.prefix(23))!
        var configuration: MQTTConfiguration
        do {
            configuration = try .server(settings.string("mqtt.server") ?? "mqtt://127.0.0.1:1883", clientID: clientID)
        } catch {
            errors.append(settings.error("mqtt.server", "\(error)"))
            configuration = MQTTConfiguration(host: "127.0.0.1", port: 1883, clientID: clientID)
        }
        let keepalive = settings.int("mqtt.keepalive") ?? 60
        if (1...4).contains(keepalive) {
            errors.append(settings.error("mqtt.keepalive", "must be 0 (off) or at least 5 seconds, got \(keepalive)"))
        }
        configuration.keepAliveSeconds = keepalive
        configuration.protocolVersion = settings.string("mqtt.version") == "5" ? .v5 : .v311
        configuration.username = settings.string("mqtt.user")
        configuration.password = settings.string("mqtt.password")
        if let file = settings.string("mqtt.password_file") {
            if configuration.password != nil {
                errors.append(settings.error("mqtt.password_file", "set mqtt.password or mqtt.password_file, not both (mqtt.password is set by \(settings.origin("mqtt.password")))"))
            }
            switch firstLine(of: file) {
            case .success(let line) where line.isEmpty:
                errors.append(settings.error("mqtt.password_file", "'\(file)' starts with an empty line; the password is its first line"))
            case .success(let line):
                configuration.password = line
            case .failure(let problem):
                errors.append(settings.error("mqtt.password_file", "cannot read '\(file)': \(problem)"))
            }
        }
        if configuration.password != nil, configuration.username == nil, configuration.protocolVersion == .v311 {
            errors.append(settings.error("mqtt.user", "a password needs a user name (MQTT 3.1.1 forbids a password alone)"))
        }

        let ca = settings.string("mqtt.ca"), cert = settings.string("mqtt.cert"), key = settings.string("mqtt.key")
        let verify = settings.bool("mqtt.reject_unauthorized") ?? true
        if (cert == nil) != (key == nil) {
            errors.append(settings.error(cert == nil ? "mqtt.cert" : "mqtt.key", "mqtt.cert and mqtt.key must be given together"))
        }
        if ca != nil || cert != nil || key != nil || !verify || configuration.tls != nil {
            if configuration.tls == nil {
                // Certificates for a plain mqtt:// server would silently do nothing: say so.
                errors.append(settings.error(
                    ca != nil ? "mqtt.ca" : cert != nil ? "mqtt.cert" : key != nil ? "mqtt.key" : "mqtt.reject_unauthorized",
                    "TLS settings need an mqtts:// server (mqtt.server is \(configuration.serverURL))"))
            }
            var tls = configuration.tls ?? MQTTTLS()
            tls.caFile = ca ?? tls.caFile
            tls.certFile = cert
            tls.keyFile = key
            tls.verifyPeer = verify
            configuration.tls = tls
        }
        configuration.will = GatewayServer.will(for: gateway)
        if errors.isEmpty {
            do {
                try configuration.validate()
            } catch {
                errors.append(settings.error(Self.key(for: "\(error)"), "\(error)"))
            }
        }
        return configuration
    }

    /// The Wi-Fi source the settings name.
    func makeSource() -> any WifiSource { source.make() }

    /// The setting an `MQTTConfiguration.validate` message is about.
    private static func key(for message: String) -> String {
        if message.contains("clientID") { return "mqtt.client_id" }
        if message.contains("username") { return "mqtt.user" }
        if message.contains("password") { return "mqtt.password" }
        if message.contains("TLS") { return "mqtt.ca" }
        return "mqtt.server"
    }

    private static func firstLine(of path: String) -> Result<String, SettingsError> {
        guard let file = fopen(path, "r") else {
            return .failure(SettingsError(key: "", origin: path, message: String(cString: strerror(errno))))
        }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return .success("") }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .success(String(line.prefix { $0 != "\n" && $0 != "\r" }))
    }

    /// What `--check-config` prints: every key with its effective value and origin.
    func checkReport() -> String {
        var lines = ["configuration OK" + (settings.file.map { " (file \($0))" } ?? " (no file: defaults, environment and flags)")]
        let computed: [String: String] = [
            "device_id": gateway.deviceID, "mqtt.client_id": mqtt.clientID, "control.socket": controlSocket.path,
        ]
        let rows = settings.report.map { row -> (String, String, String) in
            if row.origin == "default", let value = computed[row.key] { return (row.key, value, "computed default") }
            return (row.key, row.value, row.origin)
        }
        let width = rows.map(\.0.count).max() ?? 0
        for (key, value, origin) in rows {
            lines.append("  \(key)\(String(repeating: " ", count: width - key.count)) = \(value)  [\(origin)]")
        }
        return lines.joined(separator: "\n")
    }
}
