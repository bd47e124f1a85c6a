#if canImport(Glibc)
import Glibc
#endif
import TestHarness
import Testing

/// `gatewayd --remove-discovery [--purge]` leaves nothing of this device on the broker.
@Suite("gatewayd --remove-discovery", .serialized)
struct RemoveDiscoveryTests {
    /// The retained messages a fresh subscriber to `filter` gets.
    static func retained(_ broker: MosquittoBroker, _ filter: String, name: String) throws -> [(topic: String, payload: String)] {
        let late = try Observer(broker: broker, name: name, subscribeTo: filter)
        pause(0.5)
        return late.allMessages.filter { !$0.payload.isEmpty }
    }

    @Test("clears the retained discovery (either form) and its record, and with --purge the retained state topics too", arguments: [
        (form: "device", purge: false), (form: "entity", purge: false), (form: "device", purge: true),
    ])
    func clears(form: String, purge: Bool) throws {
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--discovery-form", form], logName: "gatewayd-run.log")
        #expect(observer.waitFor("wifi-gateway/bridge/discovery", timeout: 10))
        #expect(observer.waitFor("wifi-gateway/wlan/state", timeout: 10))
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
        #expect(try Self.retained(broker, "homeassistant/#", name: "before").count == (form == "device" ? 1 : 6))

        let remover = try GatewayProcess(broker: broker, ["--remove-discovery"] + (purge ? ["--purge"] : []), logName: "gatewayd-rm.log")
        #expect(remover.waitForExit(timeout: 10) == 0, "\(remover.log)")
        let cleared = (form == "device" ? 1 : 6) + 1 + (purge ? 4 : 0)
        #expect(remover.log.contains("cleared \(cleared) retained topics"), "\(remover.log)")
        #expect(try Self.retained(broker, "homeassistant/#", name: "after").isEmpty)
        let state = try Self.retained(broker, "wifi-gateway/#", name: "state")
        #expect(!state.contains { $0.topic == "wifi-gateway/bridge/discovery" })
        if purge {
            #expect(state.isEmpty, "\(state.map(\.topic))")
        } else {
            #expect(state.contains { $0.topic == "wifi-gateway/bridge/state" })
        }

        // Nothing left: a second run says so and publishes nothing.
        let again = try GatewayProcess(broker: broker, ["--remove-discovery"], logName: "gatewayd-rm2.log")
        #expect(again.waitForExit(timeout: 10) == 0, "\(again.log)")
        #expect(again.log.contains("nothing to clear"), "\(again.log)")
    }

    @Test("--purge without --remove-discovery is refused (status 2)")
    func purgeAlone() throws {
        let broker = try MosquittoBroker()
        let gateway = try GatewayProcess(broker: broker, ["--purge"], logName: "gatewayd-purge.log")
        #expect(gateway.waitForExit(timeout: 5) == 2)
        #expect(gateway.log.contains("--purge goes with --remove-discovery"))
    }
}
