public import GatewayJSON
import NetServer

/// Home Assistant MQTT discovery: the six entities of the MQTT contract.
///
/// Each config goes to `<prefix>/<component>/<id>/<object>/config`, retained, QoS 1. Unique ids
/// are `<id>_<object>` and leave the base topic out, so that changing the base topic never makes
/// Home Assistant create duplicate (`_2`) entities.
public enum Discovery {
    /// One discovery message.
    public struct Config: Sendable, Hashable {
        /// `sensor`, `binary_sensor` or `switch`.
        public let component: String
        /// The entity's object id (`rssi`, `ssid`, …).
        public let object: String
        /// The topic the config is published to.
        public let topic: String
        /// The config document.
        public let document: JSONValue
    }

    /// The object ids, in publishing order.
    public static let objects = ["rssi", "ssid", "link_state", "ipv4_address", "connected", "push_subscription"]

    /// Every config for `configuration`; `mac`, the Wi-Fi MAC once the net server has
    /// reported one, goes into the device's `connections`, so that Home Assistant can match the
    /// device with what its other integrations (a router's) know by that MAC.
    public static func configs(_ configuration: GatewayConfiguration, mac: String? = nil) -> [Config] {
        let topics = Topics(configuration)
        let id = configuration.deviceID
        var deviceMembers: [(String, JSONValue)] = [
            ("identifiers", .array([.string("gatewayd_\(id)")])),
            ("name", .string("Wi-Fi gateway \(id)")),
            ("manufacturer", .string("gatewayd")),
            ("model", .string("gatewayd Wi-Fi to MQTT gateway")),
            ("sw_version", .string(configuration.version)),
        ]
        if let mac { deviceMembers.append(("connections", .array([.array([.string("mac"), .string(mac)])]))) }
        let device: JSONValue = .object(deviceMembers)
        let origin: JSONValue = .object([
            ("name", .string("gatewayd")),
            ("sw_version", .string(configuration.version)),
        ])
        let bridge: JSONValue = .object([
            ("topic", .string(topics.bridgeState)),
            ("value_template", .string("{{ value_json.state }}")),
        ])
        // The Wi-Fi entities mean something only while the push subscription runs: with the net
        // server gone or the subscription off, their last values would read as current.
        let subscription: JSONValue = .object([
            ("topic", .string(topics.subscription)),
            ("value_template", .string("{{ value_json.state }}")),
            ("payload_available", .string("subscribed")),
            ("payload_not_available", .string("unsubscribed")),
        ])

        /// `wifi`: available only while gatewayd is online *and* subscribed (`availability_mode:
        /// all`); otherwise (the switch) while gatewayd is online.
        func config(_ component: String, _ object: String, _ name: String, wifi: Bool = true, _ specific: [(String, JSONValue)]) -> Config {
            var members: [(String, JSONValue)] = [
                ("name", .string(name)),
                ("unique_id", .string("\(id)_\(object)")),
            ]
            members += specific
            if wifi {
                members += [("availability", .array([bridge, subscription])), ("availability_mode", .string("all"))]
            } else {
                members += [("availability", .array([bridge]))]
            }
            members += [("device", device), ("origin", origin)]
            return Config(
                component: component, object: object,
                topic: "\(configuration.discoveryPrefix)/\(component)/\(id)/\(object)/config",
                document: .object(members))
        }

        let state: (String, JSONValue) = ("state_topic", .string(topics.wlanState))
        return [
            config("sensor", "rssi", "RSSI", [
                state,
                ("value_template", .string("{{ value_json.rssi_dbm }}")),
                ("device_class", .string("signal_strength")),
                ("unit_of_measurement", .string("dBm")),
                ("state_class", .string("measurement")),
                ("entity_category", .string("diagnostic")),
            ]),
            config("sensor", "ssid", "SSID", [
                state,
                ("value_template", .string("{{ value_json.ssid }}")),
                ("icon", .string("mdi:wifi")),
            ]),
            config("sensor", "link_state", "Link state", [
                state,
                ("value_template", .string("{{ value_json.link_state }}")),
                ("device_class", .string("enum")),
                ("options", .array(LinkState.allCases.map { .string($0.name) })),
            ]),
            config("sensor", "ipv4_address", "IPv4 address", [
                state,
                // No address (none, or 0.0.0.0 before DHCP) is unknown, not data: "None" is
                // Home Assistant's payload for an unknown sensor state.
                ("value_template", .string("{{ value_json.ipv4.address if value_json.ipv4.address not in (none, '0.0.0.0') else none }}")),
                ("icon", .string("mdi:ip-network")),
            ]),
            config("binary_sensor", "connected", "Connected", [
                state,
                ("value_template", .string("{{ 'ON' if value_json.connected else 'OFF' }}")),
                ("payload_on", .string("ON")),
                ("payload_off", .string("OFF")),
                ("device_class", .string("connectivity")),
            ]),
            config("switch", "push_subscription", "Push subscription", wifi: false, [
                ("command_topic", .string(topics.control)),
                ("payload_on", .string("subscribe")),
                ("payload_off", .string("unsubscribe")),
                ("state_topic", .string(topics.subscription)),
                ("value_template", .string("{{ value_json.state }}")),
                ("state_on", .string("subscribed")),
                ("state_off", .string("unsubscribed")),
                ("entity_category", .string("config")),
                ("icon", .string("mdi:wifi-sync")),
            ]),
        ]
    }
}
