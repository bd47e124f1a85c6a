#if canImport(Glibc)
import Glibc
#endif
import MQTT
import TestHarness
import Testing

/// gatewayd and a live Home Assistant on one broker: what a user sees in Home Assistant when
/// gatewayd upgrades its discovery, moves to another device id, is removed, or loses its
/// subscription. Home Assistant is read only through its APIs (`HomeAssistant`).
@Suite("A live Home Assistant", .serialized)
struct HomeAssistantLiveTests {
    /// The discovery form this Home Assistant understands best.
    static var form: String { HomeAssistant.hasDeviceDiscovery ? "device" : "entity" }

    /// Waits until Home Assistant has the six entities of device `id`, each with a live state.
    static func sixLive(_ ha: HomeAssistant, id: String = "testdev", timeout: Double = 40) -> [String: HomeAssistant.Entity] {
        var entities: [String: HomeAssistant.Entity] = [:]
        _ = eventually(timeout: timeout) {
            entities = ha.entities(uniqueIDPrefix: "\(id)_")
            return entities.count == 6 && entities.values.allSatisfy { $0.state != nil && $0.state != "unavailable" }
        }
        return entities
    }

    /// The retained topics under `filter`, as a fresh subscriber gets them.
    static func retained(_ broker: MosquittoBroker, _ filter: String) throws -> Set<String> {
        Set(try RemoveDiscoveryTests.retained(broker, filter, name: "retained-\(UInt16.random(in: 0...UInt16.max))").map(\.topic))
    }

    @Test("moving from per-entity to device discovery keeps every entity id, registry entry and the history, and so does moving back",
          .enabled(if: HomeAssistant.hasDeviceDiscovery, "Home Assistant \(HomeAssistant.installedVersion ?? "(none)") has no device-based discovery"))
    func migration() throws {
        let broker = try MosquittoBroker()
        let ha = try HomeAssistant(broker: broker)
        // An installation as gatewayd 0.4 left it: one config per entity.
        var gateway = try GatewayProcess(broker: broker, ["--discovery-form", "entity", "--sim-interval-ms", "300"], logName: "gatewayd-entity.log")
        let discovered = Self.sixLive(ha)
        try #require(discovered.count == 6, "Home Assistant made \(discovered.count) entities: \(ha.log.suffix(3000))")
        // What a user does in the UI, and would lose if the entities were deleted and made
        // again: rename an entity (its id and name) and the device.
        let rssi = "sensor.kitchen_wifi_signal"
        try ha.command([
            "type": "config/entity_registry/update", "entity_id": .string(try #require(discovered["testdev_rssi"]).entityID),
            "new_entity_id": .string(rssi), "name": "Kitchen Wi-Fi signal",
        ])
        let device = try #require(discovered["testdev_rssi"]?.deviceID)
        try ha.command(["type": "config/device_registry/update", "device_id": .string(device), "name_by_user": "Kitchen gateway"])
        let before = Self.sixLive(ha)
        #expect(before["testdev_rssi"]?.entityID == rssi)
        var earlier: [String] = []
        #expect(eventually(timeout: 20) {
            earlier = (try? ha.history(rssi)) ?? []
            return earlier.filter { Int($0) != nil }.count >= 3
        }, "\(earlier)")
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)

        // The new version, on its defaults: device discovery.
        gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "300"], logName: "gatewayd-device.log")
        #expect(eventually(timeout: 15) { gateway.log.contains("Moved the Home Assistant discovery of testdev to the device form") }, "\(gateway.log)")
        #expect(eventually(timeout: 20) { ha.log.components(separatedBy: "Migration to MQTT device discovery schema started").count - 1 == 6 })
        let after = Self.sixLive(ha)
        try #require(after.count == 6, "\(ha.log.suffix(3000))")
        for (uniqueID, old) in before {
            let new = try #require(after[uniqueID])
            #expect(new.entityID == old.entityID, "\(uniqueID)")
            #expect(new.registryID == old.registryID, "\(uniqueID): a new registry entry means lost customisations")
            #expect(new.deviceID == old.deviceID, "\(uniqueID)")
        }
        #expect(after["testdev_rssi"]?.entityID == rssi)
        #expect(after["testdev_rssi"]?.name == "Kitchen Wi-Fi signal")
        #expect(try ha.snapshot().devices.first { $0.id == device }?.nameByUser == "Kitchen gateway")
        // Only the device config is left on the broker; the old topics are clear.
        #expect(try Self.retained(broker, "homeassistant/#") == ["homeassistant/device/testdev/config"])
        // The history recorded before the move is still there, and it goes on.
        var history: [String] = []
        #expect(eventually(timeout: 20) {
            history = (try? ha.history(rssi)) ?? []
            return history.count > earlier.count + 2 && Array(history.prefix(earlier.count)) == earlier
        }, "before: \(earlier)\nafter: \(history)")
        #expect(ha.mqttWarnings.isEmpty, "\(ha.mqttWarnings)")

        // Availability that tells the truth: with the subscription off, the Wi-Fi entities are
        // unavailable and the switch is off but usable.
        let observer = try Observer(broker: broker)
        let push = try #require(after["testdev_push_subscription"]).entityID
        try observer.client.publish(MQTTMessage(topic: "wifi-gateway/control", string: "unsubscribe", qos: 1, retain: false))
        #expect(eventually(timeout: 15) {
            let now = ha.entities(uniqueIDPrefix: "testdev_")
            return now["testdev_rssi"]?.state == "unavailable" && now["testdev_connected"]?.state == "unavailable"
                && now["testdev_push_subscription"]?.state == "off"
        }, "\(ha.entities(uniqueIDPrefix: "testdev_").mapValues { $0.state ?? "-" })")
        try observer.client.publish(MQTTMessage(topic: "wifi-gateway/control", string: "subscribe", qos: 1, retain: false))
        #expect(eventually(timeout: 15) { ha.entities(uniqueIDPrefix: "testdev_")[ "testdev_rssi"]?.state.flatMap { Int($0) } != nil })
        #expect(ha.entities(uniqueIDPrefix: "testdev_")["testdev_push_subscription"]?.entityID == push)

        // Back to the per-entity form (Home Assistant's rollback): the same entities again.
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
        gateway = try GatewayProcess(broker: broker, ["--discovery-form", "entity", "--sim-interval-ms", "300"], logName: "gatewayd-back.log")
        #expect(eventually(timeout: 20) { ha.log.components(separatedBy: "Rollback to MQTT platform discovery schema started").count - 1 == 6 })
        let back = Self.sixLive(ha)
        for (uniqueID, old) in before {
            #expect(back[uniqueID]?.registryID == old.registryID, "\(uniqueID)")
            #expect(back[uniqueID]?.entityID == old.entityID, "\(uniqueID)")
        }
        #expect(back["testdev_rssi"]?.name == "Kitchen Wi-Fi signal")
        #expect(try ha.snapshot().devices.first { $0.id == device }?.nameByUser == "Kitchen gateway")
        #expect(try Self.retained(broker, "homeassistant/#").count == 6)
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
    }

    @Test("a new device id replaces the old device on the next start; --remove-discovery removes the last one")
    func newDeviceIDAndRemoval() throws {
        let broker = try MosquittoBroker()
        let ha = try HomeAssistant(broker: broker)
        var gateway = try GatewayProcess(broker: broker, ["--discovery-form", Self.form], logName: "gatewayd-old-id.log")
        #expect(Self.sixLive(ha).count == 6, "\(ha.log.suffix(3000))")
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)

        gateway = try GatewayProcess(broker: broker, ["--discovery-form", Self.form, "--device-id", "kitchen"], logName: "gatewayd-new-id.log")
        #expect(Self.sixLive(ha, id: "kitchen").count == 6, "\(ha.log.suffix(3000))")
        #expect(eventually(timeout: 15) {
            let snapshot = try? ha.snapshot()
            return snapshot.map { now in
                !now.entities.contains { $0.uniqueID.hasPrefix("testdev_") } && !now.devices.contains { $0.name == "Wi-Fi gateway testdev" }
            } ?? false
        }, "the old device stays: \((try? ha.snapshot())?.devices.map { $0.name ?? "" } ?? [])")
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)

        let remover = try GatewayProcess(broker: broker, ["--remove-discovery", "--device-id", "kitchen"], logName: "gatewayd-rm.log")
        #expect(remover.waitForExit(timeout: 10) == 0, "\(remover.log)")
        #expect(eventually(timeout: 15) {
            let snapshot = try? ha.snapshot()
            return snapshot.map { $0.entities.isEmpty && !$0.devices.contains { $0.name?.hasPrefix("Wi-Fi gateway") == true } } ?? false
        }, "\((try? ha.snapshot())?.entities.map(\.entityID) ?? [])")
        #expect(try Self.retained(broker, "homeassistant/#").isEmpty)
    }
}
