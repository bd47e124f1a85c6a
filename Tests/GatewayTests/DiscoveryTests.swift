import TestJSON
import Gateway
import NetServer
import Testing

@Suite("Home Assistant discovery documents")
struct DiscoveryTests {
    let configuration = GatewayConfiguration(baseTopic: "wg", deviceID: "pi4", discoveryPrefix: "ha", version: "9.9.9")
    /// The six entities with their device and origin blocks, as the entity form publishes them.
    var configs: [Discovery.Entity] { Discovery.entities(configuration) }

    @Test("the entity form: the six entities of the contract, at <prefix>/<component>/<id>/<object>/config")
    func sixEntities() {
        var entityForm = configuration
        entityForm.discoveryForm = .entity
        #expect(configs.map { "\($0.component)/\($0.object)" } == [
            "sensor/rssi", "sensor/ssid", "sensor/link_state", "sensor/ipv4_address",
            "binary_sensor/connected", "switch/push_subscription",
        ])
        let published = Discovery.configs(entityForm)
        #expect(published.map(\.topic) == configs.map { "ha/\($0.component)/pi4/\($0.object)/config" })
        #expect(published.map(\.json) == configs.map(\.json))
    }

    @Test("the device form, the default: one <prefix>/device/<id>/config with dev, o and every entity in cmps")
    func deviceForm() throws {
        #expect(configuration.discoveryForm == .device)
        let published = Discovery.configs(configuration)
        #expect(published.map(\.topic) == ["ha/device/pi4/config"])
        let document = published[0].json
        #expect(document["dev"]?["identifiers"] == ["gatewayd_pi4"])
        #expect(document["o"]?["name"] == "gatewayd")
        guard case .device(let device) = published[0].document else {
            Issue.record("not a device config: \(document)")
            return
        }
        // The component keys are the entity form's object ids: with the device's object id
        // equal to the entity topics' node id, Home Assistant sees the same discovery ids, which
        // its migrate_discovery needs.
        #expect(device.components.keys.sorted() == Discovery.objects.sorted())
        for entity in configs {
            var component = try #require(device.components[entity.object])
            #expect(component.platform == entity.component)
            // The same config as the entity form, without the device and origin said once above.
            component.platform = nil
            var alone = entity.document
            alone.device = nil
            alone.origin = nil
            #expect(component == alone)
        }
    }

    @Test("discovery off publishes nothing")
    func off() {
        var off = configuration
        off.discoveryEnabled = false
        #expect(Discovery.configs(off).isEmpty)
    }

    @Test("every entity has a unique_id without the base topic, availability, one device and an origin")
    func commonBlocks() {
        for config in configs {
            let document = config.json
            #expect(document["unique_id"] == .string("pi4_\(config.object)"))
            #expect(document["name"]?.stringValue?.isEmpty == false)
            #expect(Self.availability(document).first == ["topic": "wg/bridge/state", "value_template": "{{ value_json.state }}"])
            #expect(document["availability_topic"] == nil)
            #expect(document["device"]?["identifiers"] == ["gatewayd_pi4"])
            #expect(document["device"]?["sw_version"] == "9.9.9")
            #expect(document["origin"]?["name"] == "gatewayd")
            #expect(document["origin"]?["sw_version"] == "9.9.9")
        }
        #expect(Set(configs.map { $0.json["unique_id"]?.stringValue }).count == 6)
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
            let document = config.json
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
        let template = try #require(configs.first { $0.object == "ipv4_address" }?.json["value_template"]?.stringValue)
        #expect(template.contains("'0.0.0.0'") && template.contains("else none"))
    }

    @Test("the device carries the Wi-Fi MAC in connections once it is known, in both forms")
    func macConnection() {
        #expect(configs[0].json["device"]?["connections"] == nil)
        for config in Discovery.entities(configuration, mac: "02:00:5e:10:00:01") {
            #expect(config.json["device"]?["connections"] == [["mac", "02:00:5e:10:00:01"]])
        }
        #expect(Discovery.configs(configuration, mac: "02:00:5e:10:00:01")[0].json["dev"]?["connections"] == [["mac", "02:00:5e:10:00:01"]])
    }

    @Test("the RSSI sensor is a diagnostic signal_strength measurement in dBm")
    func rssi() throws {
        let rssi = try #require(configs.first { $0.object == "rssi" }).json
        #expect(rssi["state_topic"] == "wg/wlan/state")
        #expect(rssi["device_class"] == "signal_strength")
        #expect(rssi["unit_of_measurement"] == "dBm")
        #expect(rssi["state_class"] == "measurement")
        #expect(rssi["entity_category"] == "diagnostic")
        #expect(rssi["value_template"] == "{{ value_json.rssi_dbm }}")
    }

    @Test("the link state sensor is an enum with the eight names as options")
    func linkState() throws {
        let link = try #require(configs.first { $0.object == "link_state" }).json
        #expect(link["device_class"] == "enum")
        #expect(link["options"] == .array(LinkState.allCases.map { .string($0.name) }))
    }

    @Test("connected is a connectivity binary sensor whose template yields its payloads")
    func connected() throws {
        let connected = try #require(configs.first { $0.object == "connected" }).json
        #expect(connected["device_class"] == "connectivity")
        #expect(connected["payload_on"] == "ON")
        #expect(connected["payload_off"] == "OFF")
        #expect(connected["value_template"]?.stringValue?.contains("value_json.connected") == true)
    }

    @Test("the push_subscription switch commands the control topic and reads bridge/subscription")
    func pushSwitch() throws {
        let push = try #require(configs.first { $0.object == "push_subscription" }).json
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
        #expect(Discovery.entities(other).map { $0.json["unique_id"] } == configs.map { $0.json["unique_id"] })
        #expect(Discovery.entities(other)[0].json["state_topic"] == "elsewhere/wlan/state")
        #expect(Discovery.configs(other).map(\.topic) == Discovery.configs(configuration).map(\.topic))
    }
}
