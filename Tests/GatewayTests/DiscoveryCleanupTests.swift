#if canImport(Glibc)
import Glibc
#endif
import MQTT
import TestHarness
import Testing

/// Nothing is left behind on the broker: on its next start gatewayd clears the discovery it
/// published before under another device id, prefix or form, or all of it with discovery off.
@Suite("Old discovery is cleared on the next start")
struct DiscoveryCleanupTests {
    /// Runs gatewayd with `arguments` until it has dealt with the discovery on the broker (its
    /// scan's marker came back and the record followed), then stops it.
    static func run(_ broker: MosquittoBroker, _ arguments: [String], log: String, expectRecord: Bool = true) throws -> GatewayProcess {
        let observer = try Observer(broker: broker, name: "run-\(log)")
        let gateway = try GatewayProcess(broker: broker, arguments, logName: log)
        // The marker is never retained, so it is this run's; what is retained arrived before it.
        let done = observer.recorder.wait(timeout: 10) { snapshot in
            guard let marker = snapshot.messages.firstIndex(where: { $0.topic == "wifi-gateway/bridge/discovery/scan" }) else { return false }
            return !expectRecord || snapshot.messages[marker...].contains { $0.topic == "wifi-gateway/bridge/discovery" }
        }
        #expect(done, "\(gateway.log)")
        pause(0.3)
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
        return gateway
    }

    /// What `observer` got since it had `count` messages.
    static func since(_ observer: Observer, _ count: Int) -> [(topic: String, payload: String)] {
        Array(observer.recorder.snapshot.messages.dropFirst(count))
    }

    static func retained(_ broker: MosquittoBroker, _ filter: String = "homeassistant/#") throws -> Set<String> {
        Set(try RemoveDiscoveryTests.retained(broker, filter, name: "late-\(UInt16.random(in: 0...UInt16.max))").map(\.topic))
    }

    @Test("a new device id: the old id's device config is cleared, the new one's published")
    func newDeviceID() throws {
        let broker = try MosquittoBroker()
        _ = try Self.run(broker, ["--device-id", "old"], log: "old.log")
        #expect(try Self.retained(broker) == ["homeassistant/device/old/config"])
        let second = try Self.run(broker, ["--device-id", "new"], log: "new.log")
        #expect(try Self.retained(broker) == ["homeassistant/device/new/config"])
        #expect(second.log.contains("Cleared 1 discovery topics gatewayd published before and no longer uses: homeassistant/device/old/config"), "\(second.log)")
    }

    @Test("a new prefix: the configs under the old prefix are cleared")
    func newPrefix() throws {
        let broker = try MosquittoBroker()
        _ = try Self.run(broker, ["--discovery-prefix", "ha-old", "--discovery-form", "entity"], log: "old.log")
        #expect(try Self.retained(broker, "ha-old/#").count == 6)
        _ = try Self.run(broker, ["--discovery-prefix", "ha-new"], log: "new.log")
        #expect(try Self.retained(broker, "ha-old/#").isEmpty)
        #expect(try Self.retained(broker, "ha-new/#") == ["ha-new/device/testdev/config"])
    }

    @Test("discovery turned off: every config and the record are cleared, and nothing is published under the prefix")
    func off() throws {
        let broker = try MosquittoBroker()
        _ = try Self.run(broker, [], log: "on.log")
        #expect(try Self.retained(broker).count == 1)
        let observer = try Observer(broker: broker, name: "watch")
        pause(0.3)  // the retained messages
        var seen = observer.recorder.snapshot.messages.count
        _ = try Self.run(broker, ["--no-discovery"], log: "off.log", expectRecord: false)
        #expect(try Self.retained(broker).isEmpty)
        #expect(try !Self.retained(broker, "wifi-gateway/#").contains("wifi-gateway/bridge/discovery"))
        // Clearing is all it published there.
        let published = Self.since(observer, seen).filter { $0.topic.hasPrefix("homeassistant/") || $0.topic == "wifi-gateway/bridge/discovery" }
        #expect(published.count == 2 && published.allSatisfy { $0.payload.isEmpty }, "\(published)")
        // A second start with discovery off finds nothing and publishes nothing there.
        seen = observer.recorder.snapshot.messages.count
        _ = try Self.run(broker, ["--no-discovery"], log: "off2.log", expectRecord: false)
        #expect(!Self.since(observer, seen).contains { $0.topic.hasPrefix("homeassistant/") || $0.topic == "wifi-gateway/bridge/discovery" })
    }

    @Test("the per-entity configs of an earlier version are marked for Home Assistant's migration, then cleared, before the device config")
    func upgrade() throws {
        let broker = try MosquittoBroker()
        _ = try Self.run(broker, ["--discovery-form", "entity"], log: "entity.log")
        let entityTopics = try Self.retained(broker)
        #expect(entityTopics.count == 6)
        // gatewayd 0.4 kept no record: without one, the scan still finds the six.
        let observer = try Observer(broker: broker, name: "watch")
        try observer.client.publish(MQTTMessage(topic: "wifi-gateway/bridge/discovery", payload: [], qos: 1, retain: true))
        pause(0.3)
        let seen = observer.recorder.snapshot.messages.count
        _ = try Self.run(broker, [], log: "device.log")
        #expect(try Self.retained(broker) == ["homeassistant/device/testdev/config"])
        let messages = Self.since(observer, seen).filter { $0.topic.hasPrefix("homeassistant/") }
        for topic in entityTopics {
            let onTopic = messages.filter { $0.topic == topic }.map(\.payload)
            #expect(onTopic == [#"{"migrate_discovery":true}"#, ""], "\(topic): \(onTopic)")
        }
        let lastClear = messages.lastIndex { $0.payload.isEmpty }!
        let device = messages.firstIndex { $0.topic == "homeassistant/device/testdev/config" }!
        #expect(lastClear < device, "the device config comes after every old topic is cleared")
    }

    @Test("a forged record never makes gatewayd clear a topic that is not its own")
    func forgedRecord() throws {
        let broker = try MosquittoBroker()
        let other = try Observer(broker: broker, name: "other")
        try other.client.publish(MQTTMessage(topic: "homeassistant/light/kitchen/lamp/config", string: #"{"name":"lamp"}"#, qos: 1, retain: true))
        try other.client.publish(MQTTMessage(
            topic: "wifi-gateway/bridge/discovery",
            string: #"{"form":"device","prefix":"homeassistant","device_id":"kitchen","topics":["homeassistant/light/kitchen/lamp/config"]}"#,
            qos: 1, retain: true))
        pause(0.3)
        let gateway = try Self.run(broker, [], log: "forged.log")
        #expect(try Self.retained(broker) == ["homeassistant/light/kitchen/lamp/config", "homeassistant/device/testdev/config"])
        #expect(!gateway.log.contains("Cleared"), "\(gateway.log)")
    }

    @Test("a broker that lets gatewayd write but not read back: discovery is published after the scan's time-out, with a warning naming the ACL")
    func unreadable() throws {
        let broker = try MosquittoBroker(start: false)
        // Anonymous clients (the test's) read and write everything; gatewayd, as user gw, only
        // what the locked-down example ACL of gatewayd 0.4 granted.
        let acl = try broker.writeFile("acl", contents: """
            topic readwrite #
            user gw
            topic write wifi-gateway/#
            topic read wifi-gateway/control
            topic write homeassistant/#
            topic read homeassistant/status
            """)
        try broker.setExtraConfiguration(["acl_file \(acl)"])
        try broker.start()
        let gateway = try GatewayProcess(broker: broker, ["--mqtt-user", "gw"], logName: "unreadable.log")
        #expect(eventually(timeout: 10) { gateway.log.contains("did not give back gatewayd's retained discovery within 3000 ms") }, "\(gateway.log)")
        #expect(eventually(timeout: 5) { (try? Self.retained(broker).contains("homeassistant/device/testdev/config")) == true })
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
    }
}
