/// A value of a setting, as typed in the schema.
public enum SettingValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case bool(Bool)

    public var description: String {
        switch self {
        case .string(let text): text
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        }
    }
}

/// What a setting accepts.
public enum SettingType: Sendable, Hashable {
    /// Any text.
    case string
    /// A whole number in the range.
    case int(ClosedRange<Int>)
    /// `true` or `false`.
    case bool
    /// One of these words.
    case choice([String])
    /// The path of a file that must be readable.
    case file

    /// What to say the setting expects.
    var expectation: String {
        switch self {
        case .string: "a string"
        case .int(let range): "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .bool: "true or false"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        case .file: "the path of a readable file"
        }
    }
}

/// One configuration key: its path in the file, its type, its default, and how it is also
/// given on the command line and in the environment.
public struct SettingKey: Sendable, Hashable {
    /// The dotted path, as in the file: `mqtt.keepalive`, `device_id`.
    public let path: String
    /// What it accepts.
    public let type: SettingType
    /// The default; nil when there is none or it is computed (the text says how).
    public let defaultValue: SettingValue?
    /// How the default is computed when `defaultValue` is nil, for documentation.
    public let computedDefault: String?
    /// The flag of gatewayd that sets it, e.g. `--mqtt-keepalive`.
    public let flag: String?
    /// Never printed, logged or published.
    public let secret: Bool
    /// One line for people.
    public let summary: String

    init(
        _ path: String, _ type: SettingType, default defaultValue: SettingValue? = nil, computed: String? = nil,
        flag: String? = nil, secret: Bool = false, _ summary: String
    ) {
        self.path = path
        self.type = type
        self.defaultValue = defaultValue
        computedDefault = computed
        self.flag = flag
        self.secret = secret
        self.summary = summary
    }

    /// `GATEWAY_` and the path in capitals with `_` for `.`: `GATEWAY_MQTT_KEEPALIVE`.
    public var environmentVariable: String {
        "GATEWAY_" + String(path.uppercased().map { $0 == "." ? "_" : $0 })
    }

    /// The section (`mqtt`), or nil for a top-level key.
    var section: String? {
        guard let dot = path.firstIndex(of: ".") else { return nil }
        return String(path[..<dot])
    }

    /// The name within its section (`keepalive`).
    var name: String {
        guard let dot = path.firstIndex(of: ".") else { return path }
        return String(path[path.index(after: dot)...])
    }
}

extension SettingKey {
    /// Every key gatewayd knows, in the order of the example file.
    public static let all: [SettingKey] = [
        SettingKey("device_id", .string, computed: "the host name, lower-cased, other characters than a-z 0-9 _ - replaced by _",
                   flag: "--device-id", "identifies this gateway in discovery topics and unique ids"),
        SettingKey("mqtt.server", .string, default: .string("mqtt://127.0.0.1:1883"), flag: "--mqtt-server",
                   "the broker: mqtt://HOST[:PORT] or mqtts://HOST[:PORT]"),
        SettingKey("mqtt.base_topic", .string, default: .string("wifi-gateway"), flag: "--base-topic", "every topic starts with this"),
        SettingKey("mqtt.client_id", .string, computed: "gatewayd-<device_id>, cut to 23 characters", flag: "--mqtt-client-id",
                   "the MQTT client id"),
        SettingKey("mqtt.user", .string, flag: "--mqtt-user", "user name for the broker"),
        SettingKey("mqtt.password", .string, secret: true, "password for the broker (prefer password_file)"),
        SettingKey("mqtt.password_file", .file, flag: "--mqtt-password-file", "a file whose first line is the password"),
        SettingKey("mqtt.keepalive", .int(0...65535), default: .int(60), flag: "--mqtt-keepalive",
                   "seconds between keepalive pings: 0 (off), or 5 and more"),
        SettingKey("mqtt.version", .choice(["3.1.1", "5"]), default: .string("3.1.1"), flag: "--mqtt-version", "MQTT protocol version"),
        SettingKey("mqtt.ca", .file, flag: "--mqtt-ca", "CA certificate for TLS (default: the system's trust store)"),
        SettingKey("mqtt.cert", .file, flag: "--mqtt-cert", "client certificate for TLS"),
        SettingKey("mqtt.key", .file, flag: "--mqtt-key", "client key for TLS"),
        SettingKey("mqtt.reject_unauthorized", .bool, default: .bool(true), flag: "--mqtt-insecure (sets false)",
                   "verify the broker's TLS certificate"),
        SettingKey("homeassistant.enabled", .bool, default: .bool(true), flag: "--discovery / --no-discovery",
                   "publish Home Assistant discovery"),
        SettingKey("homeassistant.discovery", .choice(["device", "entity"]), default: .string("device"), flag: "--discovery-form",
                   "device: one device config (Home Assistant 2024.11 and later); entity: one config per entity (any version)"),
        SettingKey("homeassistant.discovery_prefix", .string, default: .string("homeassistant"), flag: "--discovery-prefix",
                   "Home Assistant's discovery prefix"),
        SettingKey("homeassistant.status_topic", .string, default: .string("homeassistant/status"), flag: "--ha-status-topic",
                   "where Home Assistant announces itself"),
        SettingKey("source.kind", .choice(["sim", "linux"]), default: .string("sim"), flag: "--source",
                   "where Wi-Fi state comes from: sim (simulated) or linux (this host's interface)"),
        SettingKey("source.interface", .string, default: .string("wlan0"), flag: "--interface", "for linux: the Wi-Fi interface"),
        SettingKey("source.signal_interval_s", .int(1...3600), default: .int(10), flag: "--signal-interval-s",
                   "for linux: seconds between signal samples while associated"),
        SettingKey("source.signal_threshold_db", .int(1...100), default: .int(3), flag: "--signal-threshold-db",
                   "for linux: the smallest signal change pushed on its own"),
        SettingKey("source.scenario", .file, flag: "--scenario", "scenario file for the simulated source"),
        SettingKey("source.interval_ms", .int(1...86_400_000), default: .int(1000), flag: "--sim-interval-ms",
                   "milliseconds between simulated state changes"),
        SettingKey("source.seed", .int(0...Int.max), default: .int(1), flag: "--sim-seed", "seed of the built-in scenario"),
        SettingKey("control.socket", .string,
                   computed: "/run/gatewayd/gatewayd.sock for root, $XDG_RUNTIME_DIR/gatewayd/gatewayd.sock or /tmp/gatewayd-<uid>/gatewayd.sock for others",
                   flag: "--control-socket", "gatewayctl's Unix socket"),
        SettingKey("health.interval_s", .int(1...86_400), default: .int(60), flag: "--health-interval-s",
                   "seconds between <base_topic>/bridge/health messages"),
        SettingKey("log.level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: .string("info"),
                   flag: "--log-level", "how much to log"),
    ]

    /// The key at `path`, if there is one.
    public static func named(_ path: String) -> SettingKey? { all.first { $0.path == path } }

    /// The sections of the file.
    static var sections: [String] {
        var seen: [String] = []
        for key in all { if let section = key.section, !seen.contains(section) { seen.append(section) } }
        return seen
    }
}
