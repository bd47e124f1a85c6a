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

    @Test("clears the six retained discovery configs, and with --purge the retained state topics too", arguments: [false, true])
    func clears(purge: Bool) throws {
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, [], logName: "gatewayd-run.log")
        #expect(observer.waitFor("homeassistant/switch/testdev/push_subscription/config", timeout: 10))
        #expect(observer.waitFor("wifi-gateway/wlan/state", timeout: 10))
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 3) == 0)
        #expect(try Self.retained(broker, "homeassistant/#", name: "before").count == 6)

        let remover = try GatewayProcess(broker: broker, ["--remove-discovery"] + (purge ? ["--purge"] : []), logName: "gatewayd-rm.log")
        #expect(remover.waitForExit(timeout: 10) == 0, "\(remover.log)")
        #expect(remover.log.contains(purge ? "cleared 10 retained topics" : "cleared 6 retained topics"), "\(remover.log)")
        #expect(try Self.retained(broker, "homeassistant/#", name: "after").isEmpty)
        let state = try Self.retained(broker, "wifi-gateway/#", name: "state")
        if purge {
            #expect(state.isEmpty, "\(state.map(\.topic))")
        } else {
            #expect(state.contains { $0.topic == "wifi-gateway/bridge/state" })
        }
    }

    @Test("--purge without --remove-discovery is refused (status 2)")
    func purgeAlone() throws {
        let broker = try MosquittoBroker()
        let gateway = try GatewayProcess(broker: broker, ["--purge"], logName: "gatewayd-purge.log")
        #expect(gateway.waitForExit(timeout: 5) == 2)
        #expect(gateway.log.contains("--purge goes with --remove-discovery"))
    }
}
