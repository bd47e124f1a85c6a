import Gateway
import GatewayJSON
import NetServer
import Testing

@Suite("Home Assistant discovery documents")
struct DiscoveryTests {
    let configuration = GatewayConfiguration(baseTopic: "wg", deviceID: "pi4", discoveryPrefix: "ha", version: "9.9.9")
    var configs: [Discovery.Config] { Discovery.configs(configuration) }

    @Test("the six entities of the contract, at <prefix>/<component>/<id>/<object>/config")
    func sixEntities() {
        #expect(configs.map { "\($0.component)/\($0.object)" } == [
            "sensor/rssi", "sensor/ssid", "sensor/link_state", "sensor/ipv4_address",
            "binary_sensor/connected", "switch/push_subscription",
        ])
        for config in configs {
            #expect(config.topic == "ha/\(config.component)/pi4/\(config.object)/config")
        }
    }

    @Test("every entity has a unique_id without the base topic, availability, one device and an origin")
    func commonBlocks() {
        for config in configs {
            let document = config.document
            #expect(document["unique_id"] == .string("pi4_\(config.object)"))
            #expect(document["name"]?.stringValue?.isEmpty == false)
            #expect(Self.availability(document).first == ["topic": "wg/bridge/state", "value_template": "{{ value_json.state }}"])
            #expect(document["availability_topic"] == nil)
            #expect(document["device"]?["identifiers"] == ["gatewayd_pi4"])
            #expect(document["device"]?["sw_version"] == "9.9.9")
            #expect(document["origin"]?["name"] == "gatewayd")
            #expect(document["origin"]?["sw_version"] == "9.9.9")
        }
        #expect(Set(configs.map { $0.document["unique_id"]! }).count == 6)
    }

    /// The entries of a config's `availability` list.
    static func availability(_ document: JSONValue) -> [JSONValue] {
        if case .array(let entries)? = document["availability"] { return entries }
        return []
    }

    @Test("the Wi-Fi entities are available only while gatewayd is online and subscribed; the switch while it is online")
    func availabilityTellsTheTruth() {
        let subscription: JSONValue = [
            "topic": "wg/bridge/subscription", "value_template": "{{ value_json.state }}",
            "payload_available": "subscribed", "payload_not_available": "unsubscribed",
        ]
        for config in configs {
            let document = config.document
            if config.object == "push_subscription" {
                #expect(Self.availability(document).count == 1, "the switch must stay usable while unsubscribed")
                #expect(document["availability_mode"] == nil)
            } else {
                #expect(Self.availability(document).dropFirst().first == subscription, "\(config.object)")
                #expect(document["availability_mode"] == "all", "\(config.object)")
            }
        }
    }

    @Test("no IPv4 address (none, or 0.0.0.0) is unknown to Home Assistant, not an address")
    func unknownAddress() throws {
        let template = try #require(configs.first { $0.object == "ipv4_address" }?.document["value_template"]?.stringValue)
        #expect(template.contains("'0.0.0.0'") && template.contains("else none"))
    }

    @Test("the device carries the Wi-Fi MAC in connections once it is known")
    func macConnection() {
        #expect(configs[0].document["device"]?["connections"] == nil)
        let withMAC = Discovery.configs(configuration, mac: "02:00:5e:10:00:01")
        for config in withMAC {
            #expect(config.document["device"]?["connections"] == [["mac", "02:00:5e:10:00:01"]])
        }
    }

    @Test("the RSSI sensor is a diagnostic signal_strength measurement in dBm")
    func rssi() throws {
        let rssi = try #require(configs.first { $0.object == "rssi" }).document
        #expect(rssi["state_topic"] == "wg/wlan/state")
        #expect(rssi["device_class"] == "signal_strength")
        #expect(rssi["unit_of_measurement"] == "dBm")
        #expect(rssi["state_class"] == "measurement")
        #expect(rssi["entity_category"] == "diagnostic")
        #expect(rssi["value_template"] == "{{ value_json.rssi_dbm }}")
    }

    @Test("the link state sensor is an enum with the eight names as options")
    func linkState() throws {
        let link = try #require(configs.first { $0.object == "link_state" }).document
        #expect(link["device_class"] == "enum")
        #expect(link["options"] == .array(LinkState.allCases.map { .string($0.name) }))
    }

    @Test("connected is a connectivity binary sensor whose template yields its payloads")
    func connected() throws {
        let connected = try #require(configs.first { $0.object == "connected" }).document
        #expect(connected["device_class"] == "connectivity")
        #expect(connected["payload_on"] == "ON")
        #expect(connected["payload_off"] == "OFF")
        #expect(connected["value_template"]?.stringValue?.contains("value_json.connected") == true)
    }

    @Test("the push_subscription switch commands the control topic and reads bridge/subscription")
    func pushSwitch() throws {
        let push = try #require(configs.first { $0.object == "push_subscription" }).document
        #expect(push["command_topic"] == "wg/control")
        #expect(push["payload_on"] == "subscribe")
        #expect(push["payload_off"] == "unsubscribe")
        #expect(push["state_topic"] == "wg/bridge/subscription")
        #expect(push["value_template"] == "{{ value_json.state }}")
        #expect(push["state_on"] == "subscribed")
        #expect(push["state_off"] == "unsubscribed")
    }

    @Test("changing the base topic changes topics but never unique ids")
    func uniqueIDsIgnoreBaseTopic() {
        var other = configuration
        other.baseTopic = "elsewhere"
        #expect(Discovery.configs(other).map { $0.document["unique_id"] } == configs.map { $0.document["unique_id"] })
        #expect(Discovery.configs(other)[0].document["state_topic"] == "elsewhere/wlan/state")
    }
}
