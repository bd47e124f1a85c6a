#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import TestHarness
import Testing
import SystemSupport

/// gatewayd beside a broker that crashes and comes back, as brokers on small machines do.
@Suite("gatewayd through a broker crash", .serialized)
struct BrokerOutageTests {
    let bridgeState = "wifi-gateway/bridge/state"
    let wlanState = "wifi-gateway/wlan/state"
    let subscription = "wifi-gateway/bridge/subscription"
    /// The reconnect back-off's cap (`MQTTConfiguration.reconnectDelayMax`, not a setting).
    let backoffCap = 30.0

    @Test("""
        mosquitto SIGKILLed and restarted on its port after 3 s: gatewayd is back within its back-off cap; \
        online, discovery, the subscription and the latest state are published once; the outage's updates \
        are not replayed; every later update follows in order
        """)
    func brokerKilledAndRestarted() throws {
        let broker = try MosquittoBroker()
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "300"])
        defer { gateway.kill(SIGTERM); _ = gateway.waitForExit(timeout: 5) }
        let ctl = Gatewayctl(gateway, directory: broker.directory)

        var lastBefore = 0
        do {
            let before = try Observer(broker: broker, name: "before")
            #expect(before.waitFor(wlanState, count: 3))
            lastBefore = try #require(before.documents(wlanState).last?["seq"]?.intValue)
        }
        let droppedBefore = try #require(ctl.status()?["counters"]?["updates_dropped"]?.intValue)

        broker.kill()
        pause(3)
        // gatewayd is held still while the broker comes back and the observer subscribes, so
        // that the observer is there for every publish of the reconnect wherever gatewayd's
        // jittered back-off falls. Its clock runs on meanwhile; the pause is a few hundred ms.
        gateway.kill(SIGSTOP)
        let restarted = MonotonicInstantNow()
        try broker.start()
        let after: Observer
        do { after = try Observer(broker: broker, name: "after") } catch { gateway.kill(SIGCONT); throw error }
        gateway.kill(SIGCONT)

        #expect(after.waitFor(bridgeState, timeout: backoffCap + 5) { $0["state"] == "online" }, "\(gateway.log.suffix(3000))")
        let back = MonotonicInstantNow() - restarted
        #expect(back < backoffCap, "back after \(back) s")
        // The republished state, then five updates made after the reconnect.
        #expect(after.waitFor(wlanState, count: 6, timeout: 10))
        pause(0.5)

        #expect(after.documents(bridgeState).map { $0["state"] } == ["online"])
        let discovery = after.allMessages.filter { $0.topic.hasPrefix("homeassistant/") && $0.topic.hasSuffix("/config") }
        #expect(discovery.map(\.topic) == ["homeassistant/device/testdev/config"], "\(discovery.map(\.topic))")
        #expect(after.payloads(subscription).count == 1)

        let status = try #require(ctl.status())
        #expect(status["mqtt"]?["reconnects"] == 1)
        let dropped = (status["counters"]?["updates_dropped"]?.intValue ?? 0) - droppedBefore
        // About ten updates came while the broker was away; they were dropped, not queued.
        #expect(dropped >= 5, "dropped \(dropped)")
        let seqs = after.documents(wlanState).compactMap { $0["seq"]?.intValue }
        let first = try #require(seqs.first)
        // The first state after the reconnect is the latest one, not the outage's oldest: every
        // update of the outage lies between the last one seen before and it.
        #expect(first >= lastBefore + dropped, "first \(first), last before \(lastBefore), dropped \(dropped)")
        // From there on each update once, in order, none missing.
        #expect(seqs == Array(first..<(first + seqs.count)), "\(seqs)")
        // And what the gateway holds now is what the broker retains.
        let retained = try Observer(broker: broker, name: "retained", subscribeTo: wlanState)
        #expect(retained.waitFor(wlanState, count: 1, timeout: 3))
        let current = try #require(retained.documents(wlanState).first?["seq"]?.intValue)
        #expect(current >= seqs.last ?? 0)
    }
}
