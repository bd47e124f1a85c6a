import GatewayControl
import NetServer

/// How the discovery configs are laid out on the broker.
public enum DiscoveryForm: String, Codable, Sendable, Hashable, CaseIterable {
    /// One retained `<prefix>/device/<id>/config` with `dev`, `o` and `cmps` for every entity:
    /// Home Assistant's device-based discovery (2024.11 and later), which its documentation
    /// recommends for a device with several entities.
    case device
    /// One retained `<prefix>/<component>/<id>/<object>/config` per entity, which every Home
    /// Assistant understands.
    case entity
}

/// Home Assistant MQTT discovery: the six entities of the MQTT contract.
///
/// Unique ids are `<id>_<object>` and leave the base topic out, so that changing the base topic
/// never makes Home Assistant create duplicate (`_2`) entities. In both forms an entity is known
/// to Home Assistant by the same discovery id, `<id> <object>` (the node id and the object id of
/// an entity topic; the device's object id and the component key of a device config), which is
/// what lets its `migrate_discovery` procedure move entities from one form to the other.
public enum Discovery {
    /// One discovery message.
    public struct Config: Sendable, Hashable {
        /// The topic the config is published to.
        public let topic: String
        /// The config document.
        public let document: DiscoveryDocument

        /// The retained payload.
        public var payload: [UInt8] { DocumentCoding.encode(document) }
    }

    /// One entity, as the entity form publishes it.
    public struct Entity: Sendable, Hashable {
        /// `sensor`, `binary_sensor` or `switch`.
        public let component: String
        /// The entity's object id (`rssi`, `ssid`, …).
        public let object: String
        /// Its config, with the device and origin blocks.
        public let document: DiscoveryEntity
    }

    /// The entities, in publishing order: (component, object id).
    public static let entities: [(component: String, object: String)] = [
        ("sensor", "rssi"), ("sensor", "ssid"), ("sensor", "link_state"), ("sensor", "ipv4_address"),
        ("binary_sensor", "connected"), ("switch", "push_subscription"),
    ]

    /// The object ids, in publishing order.
    public static let objects = entities.map(\.object)

    /// The device-form topic of device `id` under `prefix`.
    public static func deviceTopic(prefix: String, id: String) -> String { "\(prefix)/device/\(id)/config" }

    /// The entity-form topic of one entity.
    public static func entityTopic(prefix: String, component: String, id: String, object: String) -> String {
        "\(prefix)/\(component)/\(id)/\(object)/config"
    }

    /// Every topic gatewayd may have published discovery on for device `id` under `prefix`, in
    /// either form: where it looks for configs to move or clear.
    public static func candidateTopics(prefix: String, id: String) -> [String] {
        entities.map { entityTopic(prefix: prefix, component: $0.component, id: id, object: $0.object) }
            + [deviceTopic(prefix: prefix, id: id)]
    }

    /// The configs to publish for `configuration` in its form (none with discovery off); `mac`,
    /// the Wi-Fi MAC once the net server has reported one, goes into the device's
    /// `connections`, so that Home Assistant can match the device with what its other
    /// integrations (a router's) know by that MAC.
    public static func configs(_ configuration: GatewayConfiguration, mac: String? = nil) -> [Config] {
        guard configuration.discoveryEnabled else { return [] }
        return configs(configuration, form: configuration.discoveryForm, mac: mac)
    }

    /// The configs of `form` for `configuration`, whether discovery is on or not.
    public static func configs(_ configuration: GatewayConfiguration, form: DiscoveryForm, mac: String? = nil) -> [Config] {
        let prefix = configuration.discoveryPrefix, id = configuration.deviceID
        switch form {
        case .entity:
            return entities(configuration, mac: mac).map {
                Config(topic: entityTopic(prefix: prefix, component: $0.component, id: id, object: $0.object), document: .entity($0.document))
            }
        case .device:
            // The same entity configs as components: `p` names the platform, and the device
            // and origin are said once, at the root (where Home Assistant requires them).
            var components: [String: DiscoveryEntity] = [:]
            for entity in entities(configuration, mac: mac, shared: false) {
                var component = entity.document
                component.platform = entity.component
                components[entity.object] = component
            }
            let document = DiscoveryDevicePayload(device: device(configuration, mac: mac), origin: origin(configuration), components: components)
            return [Config(topic: deviceTopic(prefix: prefix, id: id), document: .device(document))]
        }
    }

    private static func device(_ configuration: GatewayConfiguration, mac: String?) -> DiscoveryEntity.Device {
        let id = configuration.deviceID
        return DiscoveryEntity.Device(
            identifiers: ["gatewayd_\(id)"], name: "Wi-Fi gateway \(id)", manufacturer: "gatewayd",
            model: "gatewayd Wi-Fi to MQTT gateway", swVersion: configuration.version, connections: mac.map { [["mac", $0]] })
    }

    private static func origin(_ configuration: GatewayConfiguration) -> DiscoveryEntity.Origin {
        DiscoveryEntity.Origin(name: "gatewayd", swVersion: configuration.version)
    }

    /// The six entities; `shared` adds the device and origin blocks to each, as the entity
    /// form needs.
    public static func entities(_ configuration: GatewayConfiguration, mac: String? = nil, shared: Bool = true) -> [Entity] {
        let topics = Topics(configuration)
        let id = configuration.deviceID
        let device = device(configuration, mac: mac)
        let origin = origin(configuration)
        let bridge = DiscoveryEntity.Availability(topic: topics.bridgeState, valueTemplate: "{{ value_json.state }}")
        // The Wi-Fi entities mean something only while the push subscription runs: with the net
        // server gone or the subscription off, their last values would read as current.
        let subscription = DiscoveryEntity.Availability(
            topic: topics.subscription, valueTemplate: "{{ value_json.state }}", payloadAvailable: "subscribed",
            payloadNotAvailable: "unsubscribed")

        /// `wifi`: available only while gatewayd is online *and* subscribed (`availability_mode:
        /// all`); otherwise (the switch) while gatewayd is online.
        func entity(_ component: String, _ object: String, _ name: String, wifi: Bool = true, _ specific: DiscoveryEntity) -> Entity {
            var config = specific
            config.name = name
            config.uniqueID = "\(id)_\(object)"
            if wifi {
                config.availability = [bridge, subscription]
                config.availabilityMode = "all"
            } else {
                config.availability = [bridge]
            }
            if shared {
                config.device = device
                config.origin = origin
            }
            return Entity(component: component, object: object, document: config)
        }

        let state = topics.wlanState
        return [
            entity("sensor", "rssi", "RSSI", DiscoveryEntity(
                stateTopic: state, valueTemplate: "{{ value_json.rssi_dbm }}", deviceClass: "signal_strength",
                unitOfMeasurement: "dBm", stateClass: "measurement", entityCategory: "diagnostic")),
            entity("sensor", "ssid", "SSID", DiscoveryEntity(stateTopic: state, valueTemplate: "{{ value_json.ssid }}", icon: "mdi:wifi")),
            entity("sensor", "link_state", "Link state", DiscoveryEntity(
                stateTopic: state, valueTemplate: "{{ value_json.link_state }}", deviceClass: "enum",
                options: LinkState.allCases.map(\.name))),
            entity("sensor", "ipv4_address", "IPv4 address", DiscoveryEntity(
                stateTopic: state,
                // No address (none, or 0.0.0.0 before DHCP) is unknown, not data: "None" is
                // Home Assistant's payload for an unknown sensor state.
                valueTemplate: "{{ value_json.ipv4.address if value_json.ipv4.address not in (none, '0.0.0.0') else none }}",
                icon: "mdi:ip-network")),
            entity("binary_sensor", "connected", "Connected", DiscoveryEntity(
                payloadOn: "ON", payloadOff: "OFF", stateTopic: state,
                valueTemplate: "{{ 'ON' if value_json.connected else 'OFF' }}", deviceClass: "connectivity")),
            entity("switch", "push_subscription", "Push subscription", wifi: false, DiscoveryEntity(
                commandTopic: topics.control, payloadOn: "subscribe", payloadOff: "unsubscribe", stateTopic: topics.subscription,
                valueTemplate: "{{ value_json.state }}", stateOn: "subscribed", stateOff: "unsubscribed",
                entityCategory: "config", icon: "mdi:wifi-sync")),
        ]
    }
}
