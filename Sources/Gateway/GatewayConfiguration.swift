#if canImport(Glibc)
import Glibc
#endif

/// What the gateway publishes where: the MQTT contract's names and switches.
public struct GatewayConfiguration: Sendable, Hashable {
    /// The base topic, `<base>` in every topic name (default `wifi-gateway`).
    public var baseTopic: String
    /// The device id, `<id>` in discovery topics and unique ids (default: the host name, cleaned).
    public var deviceID: String
    /// Whether Home Assistant discovery configs are published.
    public var discoveryEnabled: Bool
    /// How discovery is laid out: one device config (default) or one config per entity.
    public var discoveryForm: DiscoveryForm
    /// The Home Assistant discovery prefix (default `homeassistant`).
    public var discoveryPrefix: String
    /// Where Home Assistant announces itself (default `homeassistant/status`).
    public var homeAssistantStatusTopic: String
    /// Seconds between `<base>/bridge/health` messages (default 60).
    public var healthIntervalSeconds: Int
    /// The gateway's version, shown in discovery's device and origin blocks and in status.
    public var version: String

    /// The defaults of the MQTT contract, with `deviceID` from the host name.
    public init(
        baseTopic: String = "wifi-gateway",
        deviceID: String = GatewayConfiguration.defaultDeviceID(),
        discoveryEnabled: Bool = true,
        discoveryForm: DiscoveryForm = .device,
        discoveryPrefix: String = "homeassistant",
        homeAssistantStatusTopic: String = "homeassistant/status",
        healthIntervalSeconds: Int = 60,
        version: String = gatewayVersion
    ) {
        self.baseTopic = baseTopic
        self.deviceID = deviceID
        self.discoveryEnabled = discoveryEnabled
        self.discoveryForm = discoveryForm
        self.discoveryPrefix = discoveryPrefix
        self.homeAssistantStatusTopic = homeAssistantStatusTopic
        self.healthIntervalSeconds = healthIntervalSeconds
        self.version = version
    }

    /// Refuses names that would make broken topics or discovery ids, saying which and why.
    public func validate() throws(GatewayConfigurationError) {
        try Self.checkTopic(baseTopic, key: "mqtt.base_topic")
        try Self.checkTopic(discoveryPrefix, key: "homeassistant.discovery_prefix")
        try Self.checkTopic(homeAssistantStatusTopic, key: "homeassistant.status_topic")
        guard Self.isValidDeviceID(deviceID) else {
            throw .init(key: "device_id", message: "'\(deviceID)' must be non-empty and use only a-z, 0-9, '_' and '-'")
        }
        guard baseTopic != discoveryPrefix else {
            throw .init(key: "mqtt.base_topic", message: "must differ from the discovery prefix '\(discoveryPrefix)'")
        }
        guard healthIntervalSeconds >= 1 else {
            throw .init(key: "health.interval_s", message: "must be at least 1 second, got \(healthIntervalSeconds)")
        }
    }

    private static func checkTopic(_ topic: String, key: String) throws(GatewayConfigurationError) {
        if let problem = topicProblem(topic) { throw .init(key: key, message: "'\(topic)' \(problem)") }
    }

    /// Why `topic` cannot be a base topic or prefix, or nil.
    static func topicProblem(_ topic: String) -> String? {
        guard !topic.isEmpty, !topic.hasPrefix("/"), !topic.hasSuffix("/") else {
            return "must be a non-empty topic without a leading or trailing '/'"
        }
        guard !topic.contains("+"), !topic.contains("#"), !topic.utf8.contains(0) else {
            return "must not contain the wildcards '+' or '#'"
        }
        return nil
    }

    /// Whether `id` can be a device id: non-empty, `a-z 0-9 _ -` only.
    static func isValidDeviceID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy(isIDByte)
    }

    static func isIDByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// The host name, lower-cased, with every character outside `[a-z0-9_-]` replaced by `_`.
    public static func defaultDeviceID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "gatewayd" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return deviceID(fromHostName: name)
    }

    /// Cleans a host name into a device id (see `defaultDeviceID`).
    public static func deviceID(fromHostName name: String) -> String {
        let cleaned = String(decoding: name.lowercased().utf8.map { isIDByte($0) ? $0 : UInt8(ascii: "_") }, as: UTF8.self)
        return cleaned.isEmpty ? "gatewayd" : cleaned
    }
}

/// A configuration value that cannot work, with the key it belongs to.
public struct GatewayConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The configuration key, as in the config file (`base_topic`, `device_id`, …).
    public let key: String
    /// What is wrong and what is expected.
    public let message: String

    /// An error for `key`.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}

/// The version gatewayd reports in discovery, health and status.
public let gatewayVersion = "0.4.0"
