import Gateway
import TestJSON
import Testing

/// What gatewayd does with the discovery it finds on the broker, decided as a value.
@Suite("Discovery on the broker: the plan, the record and the scan")
struct DiscoveryPlanTests {
    static let device = GatewayConfiguration(baseTopic: "wg", deviceID: "pi4", discoveryForm: .device, discoveryPrefix: "ha")
    static var entity: GatewayConfiguration {
        var configuration = device
        configuration.discoveryForm = .entity
        return configuration
    }
    static let entityTopics = Discovery.configs(entity).map(\.topic)
    static let deviceTopic = "ha/device/pi4/config"

    @Test("a fresh broker: only publishes, the configs then the record")
    func fresh() {
        let plan = DiscoveryPlan.make(Self.device, found: [], known: [], recordPresent: false)
        #expect(plan.onlyPublishes)
        #expect(plan.publish.map(\.topic) == [Self.deviceTopic])
        #expect(plan.record == DiscoveryRecord(form: .device, prefix: "ha", deviceID: "pi4", topics: [Self.deviceTopic]))
    }

    @Test("the same configs already there: nothing moves")
    func unchanged() {
        let plan = DiscoveryPlan.make(Self.device, found: [Self.deviceTopic], known: [], recordPresent: true)
        #expect(plan.onlyPublishes)
    }

    @Test("entity form found, device form configured: the six are marked for migration, then cleared, then the device config")
    func upgrade() {
        let plan = DiscoveryPlan.make(Self.device, found: Set(Self.entityTopics), known: [], recordPresent: false)
        #expect(Set(plan.migrate) == Set(Self.entityTopics))
        #expect(plan.clear == plan.migrate)
        #expect(plan.publish.map(\.topic) == [Self.deviceTopic])
    }

    @Test("back to the entity form: the device config is marked and cleared (Home Assistant's rollback)")
    func rollback() {
        let plan = DiscoveryPlan.make(Self.entity, found: [Self.deviceTopic], known: [], recordPresent: true)
        #expect(plan.migrate == [Self.deviceTopic])
        #expect(plan.clear == [Self.deviceTopic])
        #expect(plan.publish.map(\.topic) == Self.entityTopics)
        #expect(plan.record?.form == .entity)
    }

    @Test("another device id or prefix in the record: cleared, never migrated (those are other entities)")
    func moved() {
        let old: Set<String> = ["ha/device/old/config", "other/device/pi4/config"]
        let plan = DiscoveryPlan.make(Self.device, found: [Self.deviceTopic], known: old, recordPresent: true)
        #expect(plan.migrate.isEmpty)
        #expect(Set(plan.clear) == old)
    }

    @Test("a topic of this id and prefix that is known but not found was looked at and is gone: nothing to clear")
    func knownButGone() {
        let plan = DiscoveryPlan.make(Self.device, found: [], known: Set(Self.entityTopics), recordPresent: true)
        #expect(plan.clear.isEmpty && plan.migrate.isEmpty)
    }

    @Test("discovery off: everything found or recorded is cleared, nothing migrated or published, the record cleared")
    func off() {
        var off = Self.device
        off.discoveryEnabled = false
        let plan = DiscoveryPlan.make(off, found: [Self.deviceTopic], known: ["ha/device/old/config"], recordPresent: true)
        #expect(plan.migrate.isEmpty && plan.publish.isEmpty && plan.record == nil)
        #expect(Set(plan.clear) == [Self.deviceTopic, "ha/device/old/config"])
        #expect(plan.clearRecord)
        #expect(DiscoveryPlan.make(off, found: [], known: [], recordPresent: false).onlyPublishes)
    }

    @Test("the record reads back what it wrote")
    func recordRoundTrip() throws {
        let record = DiscoveryRecord(form: .entity, prefix: "ha", deviceID: "pi4", topics: Self.entityTopics)
        #expect(DiscoveryRecord(parsing: record.payload) == record)
    }

    @Test("a record that is not gatewayd's is refused: it can never make gatewayd clear another topic", arguments: [
        #"{"form":"device","prefix":"ha","device_id":"pi4","topics":["ha/device/pi5/config"]}"#,
        #"{"form":"device","prefix":"ha","device_id":"pi4","topics":["zigbee2mqtt/bridge/state"]}"#,
        #"{"form":"device","prefix":"ha","device_id":"pi4","topics":["ha/light/pi4/lamp/config"]}"#,
        #"{"form":"device","prefix":"ha/#","device_id":"pi4","topics":[]}"#,
        #"{"form":"device","prefix":"ha","device_id":"Pi 4","topics":[]}"#,
        #"{"form":"both","prefix":"ha","device_id":"pi4","topics":[]}"#,
        #"{"form":"device","prefix":"ha","device_id":"pi4","topics":"ha/device/pi4/config"}"#,
        #"{"form":"device","prefix":"ha","device_id":"pi4","topics":["ha/device/pi4/config","ha/device/pi4/config"]}"#,
        #"{"form":"device","prefix":"ha","device_id":"pi4"}"#,
        "[]", "not json", "",
    ])
    func foreignRecord(_ text: String) {
        #expect(DiscoveryRecord(parsing: Array(text.utf8)) == nil)
    }

    @Test("the scan: retained configs and the record are taken, other topics are not, and only its own marker ends it")
    func scan() throws {
        var scan = DiscoveryScan(Self.device, token: "t1")
        func take(_ topic: String, _ payload: [UInt8]) -> Bool { scan.take(topic: topic, payload: payload) }
        #expect(scan.filters.contains("wg/bridge/discovery") && scan.filters.contains("wg/bridge/discovery/scan"))
        #expect(Set(scan.filters).isSuperset(of: Self.entityTopics + [Self.deviceTopic]))
        #expect(take(Self.entityTopics[0], Array("{}".utf8)))
        #expect(take(Self.entityTopics[1], Array("{}".utf8)))
        #expect(take(Self.entityTopics[1], []))  // cleared meanwhile
        let record = DiscoveryRecord(form: .device, prefix: "ha", deviceID: "old", topics: ["ha/device/old/config"])
        #expect(take("wg/bridge/discovery", record.payload))
        #expect(!take("wg/control", Array("status".utf8)))
        #expect(!take("ha/device/other/config", Array("{}".utf8)))
        #expect(take("wg/bridge/discovery/scan", Array(#"{"scan":"t0"}"#.utf8)))
        #expect(!scan.isComplete, "an earlier scan's marker")
        #expect(take("wg/bridge/discovery/scan", scan.marker))
        #expect(scan.isComplete)
        #expect(scan.found == [Self.entityTopics[0]])
        #expect(scan.record == record && scan.recordPresent)
        #expect(scan.recordedElsewhere == ["ha/device/old/config"])
    }
}
