import GatewayControl
import GatewayJSON

/// What gatewayd last published as discovery on a broker, kept beside it, retained, at
/// `<base>/bridge/discovery`, so that a later start (or another host, or `--remove-discovery`)
/// knows what to clear after the device id, the prefix or the form changed.
///
/// Read back from the broker, it is untrusted: only topics gatewayd itself could have
/// published for the recorded device id and prefix are accepted, so a forged record can make
/// gatewayd clear nothing but gatewayd's own discovery.
public struct DiscoveryRecord: Codable, Sendable, Hashable {
    /// The form the topics were published in.
    public var form: DiscoveryForm
    /// The discovery prefix they are under.
    public var prefix: String
    /// The device id they are for.
    public var deviceID: String
    /// The retained discovery topics.
    public var topics: [String]

    /// A record of `topics`.
    public init(form: DiscoveryForm, prefix: String, deviceID: String, topics: [String]) {
        self.form = form
        self.prefix = prefix
        self.deviceID = deviceID
        self.topics = topics
    }

    /// The record of `configs`, published for `configuration`.
    public init(_ configuration: GatewayConfiguration, publishing configs: [Discovery.Config]) {
        self.init(
            form: configuration.discoveryForm, prefix: configuration.discoveryPrefix, deviceID: configuration.deviceID,
            topics: configs.map(\.topic))
    }

    /// The record as published: `{"device_id":…,"form":…,"prefix":…,"topics":[…]}`.
    public var payload: [UInt8] { DocumentCoding.encode(self) }

    enum CodingKeys: String, CodingKey {
        case form, prefix, deviceID = "device_id", topics
    }

    /// Reads a record the broker kept; nil for anything that is not one of gatewayd's.
    public init?(parsing payload: [UInt8]) {
        guard let text = try? JSONText(validating: payload, limits: JSONLimits(maxDepth: 4, maxBytes: 4096)),
              let record = try? DocumentCoding.decode(DiscoveryRecord.self, from: text.bytes)
        else { return nil }
        let (form, prefix, deviceID, list) = (record.form, record.prefix, record.deviceID, record.topics)
        guard GatewayConfiguration.topicProblem(prefix) == nil, GatewayConfiguration.isValidDeviceID(deviceID) else { return nil }
        let allowed = Set(Discovery.candidateTopics(prefix: prefix, id: deviceID))
        var topics: [String] = []
        for topic in list {
            guard allowed.contains(topic), !topics.contains(topic) else { return nil }
            topics.append(topic)
        }
        self.init(form: form, prefix: prefix, deviceID: deviceID, topics: topics)
    }
}

/// How gatewayd brings the broker's discovery in line with its configuration: which retained
/// topics it first marks for Home Assistant's `migrate_discovery`, which it clears, which it
/// publishes, and the record it keeps. A value, decided from what the broker holds, so that
/// every case is tested without a broker.
public struct DiscoveryPlan: Sendable, Hashable {
    /// Topics that get `{"migrate_discovery":true}`, retained: entities that move to the other
    /// form, which Home Assistant then keeps (entity ids, customisations, history) instead of
    /// deleting them when their old config is cleared.
    public var migrate: [String] = []
    /// Topics cleared with an empty retained message, after the migration marks.
    public var clear: [String] = []
    /// The configs published, after that.
    public var publish: [Discovery.Config] = []
    /// The record published last; nil when discovery is off.
    public var record: DiscoveryRecord?
    /// Whether to clear a record that is there (discovery is off and something was published).
    public var clearRecord = false

    /// Home Assistant's migration mark: `{"migrate_discovery":true}`.
    public static let migrationMark = Array(#"{"migrate_discovery":true}"#.utf8)

    /// The plan for `configuration`.
    /// - Parameters:
    ///   - found: the discovery topics of this device id and prefix (`Discovery.candidateTopics`)
    ///     that hold a retained message on the broker now.
    ///   - known: other topics gatewayd published discovery on, by its record on the broker or
    ///     its own memory: under another device id or prefix, so not looked at.
    ///   - recordPresent: whether a record is on the broker.
    public static func make(
        _ configuration: GatewayConfiguration, mac: String? = nil, found: Set<String>, known: Set<String>, recordPresent: Bool
    ) -> DiscoveryPlan {
        var plan = DiscoveryPlan()
        plan.publish = Discovery.configs(configuration, mac: mac)
        let current = Set(plan.publish.map(\.topic))
        let looked = Set(Discovery.candidateTopics(prefix: configuration.discoveryPrefix, id: configuration.deviceID))
        // What was looked at and is not there needs nothing; what was not looked at (another id
        // or prefix) is cleared blindly, which costs an empty message at worst.
        let stale = found.union(known.subtracting(looked)).subtracting(current)
        plan.clear = stale.sorted()
        if configuration.discoveryEnabled {
            // Same device id and prefix, other form: the same entities, which Home Assistant
            // keeps when told first. Entities of another id or prefix are not coming back.
            plan.migrate = plan.clear.filter { looked.contains($0) }
            plan.record = DiscoveryRecord(configuration, publishing: plan.publish)
        } else {
            plan.clearRecord = recordPresent
        }
        return plan
    }

    /// Nothing to move or clear: only the current configs (and the record) to publish.
    public var onlyPublishes: Bool { migrate.isEmpty && clear.isEmpty && !clearRecord }
}
