#if canImport(Glibc)
import Glibc
#endif
import Gateway
import TestJSON
import Logging
import MQTT
import NetServer
import TestHarness
import Testing
import XousIPC
import SystemSupport

/// The gateway in this process against a net server that is stopped and started again under
/// it: the net server never says it lost its subscribers, so the gateway must notice, report
/// it, and subscribe again through a fresh bouncer, leaking nothing.
@Suite("gatewayd when its net server goes and comes back", .serialized)
struct NetServerRestartTests {
    let base = "wifi-gateway"

    /// The gateway in process, and a watcher subscribed before it starts.
    final class World: InProcessGateway, @unchecked Sendable {
        let watcher: Observer

        init(healthIntervalSeconds: Int) throws {
            let broker = try MosquittoBroker()
            watcher = try Observer(broker: broker)
            try super.init(
                broker: broker,
                configuration: GatewayConfiguration(deviceID: "restart", healthIntervalSeconds: healthIntervalSeconds))
        }
    }

    @Test("three restarts: each is reported, updates flow again through a fresh bouncer, nothing leaks")
    func restartCycles() throws {
        try ProcessWide.isolated {
            let world = try World(healthIntervalSeconds: 1)
            defer { world.shutdown() }
            #expect(eventually(timeout: 10) { world.status.subscribed && world.status.updatesReceived >= 1 })
            #expect(world.watcher.waitFor("\(base)/bridge/subscription") { $0["state"] == "subscribed" })
            world.source.emit(netStatus(0))
            #expect(eventually { world.status.lastStatus == netStatus(0) })

            let servers = world.kernel.serverCount
            let gatewaySlots = world.gateway.process.connectionCount
            let netSlots = world.net?.process.connectionCount
            let threads = gatewayThreadNames()

            var recoveries: [Double] = []
            for cycle in 1...3 {
                world.stopNet()
                #expect(eventually(timeout: 5) { world.status.netServerLost == cycle }, "cycle \(cycle): loss not reported")
                #expect(!world.status.subscribed)
                #expect(!world.status.netServerAvailable)
                #expect(world.status.netServerLastError == "\(XousError.serverNotFound)")
                #expect(world.watcher.waitFor("\(base)/bridge/health") { $0["net"]?["server_lost"]?.intValue == cycle })

                // While it waits for the net server, the main server still answers control requests.
                try world.watcher.publish("\(base)/control", #"{"command":"status","transaction":\#(cycle)}"#)
                #expect(world.watcher.waitFor("\(base)/control/response") { response in
                    response["transaction"]?.intValue == cycle && response["status"] == "ok"
                        && response["data"]?["counters"]?["net_server_lost"]?.intValue == cycle
                        && response["data"]?["subscription"] == "unsubscribed"
                })

                let restarted = MonotonicInstant.now
                try world.startNet()
                #expect(eventually(timeout: 5) { world.status.subscribed && world.status.netServerAvailable }, "cycle \(cycle): not subscribed again")
                recoveries.append(Double(MonotonicInstant.now.nanoseconds(since: restarted)) / 1e9)
                let fresh = netStatus(cycle * 10)
                world.source.emit(fresh)
                #expect(eventually { world.status.lastStatus == fresh }, "cycle \(cycle): updates did not flow again")
                #expect(world.watcher.waitFor("\(base)/wlan/state") { $0["ipv4"]?["address"]?.stringValue == "10.9.0.\(cycle * 10 + 1)" })
                // A fresh bouncer: the new net server has exactly one subscriber, and it is live.
                #expect(world.net?.statistics.subscribers == 1)
                #expect(world.net?.statistics[.pushFailed] == 0)
            }
            print("net server restart: resubscribed \(recoveries.map { String(Int($0 * 1000)) + " ms" }) after the new net server started")

            #expect(world.kernel.serverCount == servers)
            #expect(world.gateway.process.connectionCount == gatewaySlots)
            #expect(world.net?.process.connectionCount == netSlots)
            #expect(eventually { gatewayThreadNames() == threads }, "\(gatewayThreadNames()) != \(threads)")
            #expect(world.status.netServerLost == 3)
            #expect(world.status.bouncerIgnored == 0)
        }
    }

    @Test("a net server whose process is terminated is noticed at once, with no health check, and the gateway resubscribes to the next one")
    func terminationNoticedAtOnce() throws {
        try ProcessWide.isolated {
            // A health interval far beyond the test: only the held watch can have noticed.
            let world = try World(healthIntervalSeconds: 3600)
            defer { world.shutdown() }
            #expect(eventually(timeout: 10) { world.status.subscribed && world.status.updatesReceived >= 1 })
            let servers = world.kernel.serverCount
            let gatewaySlots = world.gateway.process.connectionCount
            let threads = gatewayThreadNames()
            for cycle in 1...3 {
                let killed = MonotonicInstant.now
                world.killNet()
                #expect(eventually(timeout: 2) { world.status.netServerLost == cycle }, "cycle \(cycle): loss not reported")
                let noticed = Double(MonotonicInstant.now.nanoseconds(since: killed)) / 1e6
                #expect(noticed < 1_000, "cycle \(cycle): noticed after \(noticed) ms")
                #expect(world.watcher.waitFor("\(base)/bridge/subscription") { $0["state"] == "unsubscribed" })
                try world.startNet()
                #expect(eventually(timeout: 5) { world.status.subscribed && world.status.netServerAvailable })
                let fresh = netStatus(40 + cycle)
                world.source.emit(fresh)
                #expect(eventually { world.status.lastStatus == fresh }, "cycle \(cycle): updates did not flow again")
                print("net server terminated: the gateway noticed after \(Int(noticed * 1000)) µs")
            }
            // The tombstones were disconnected and every bouncer and watch torn down.
            #expect(world.kernel.serverCount == servers)
            #expect(world.gateway.process.connectionCount == gatewaySlots)
            #expect(eventually { gatewayThreadNames() == threads }, "\(gatewayThreadNames()) != \(threads)")
        }
    }

    @Test("an unsubscribe that finds the net server gone is noticed at once, and the choice to stay off is kept")
    func unsubscribeNoticesAtOnce() throws {
        // A health interval far beyond the test: only the failing call can have noticed.
        let world = try World(healthIntervalSeconds: 3600)
        defer { world.shutdown() }
        #expect(eventually(timeout: 10) { world.status.subscribed && world.status.updatesReceived >= 1 })

        world.stopNet()
        try world.watcher.publish("\(base)/control", #"{"command":"unsubscribe","transaction":1}"#)
        #expect(world.watcher.waitFor("\(base)/control/response") { $0["transaction"] == 1 && $0["status"] == "ok" })
        #expect(world.status.netServerLost == 1)
        #expect(!world.status.subscribed)

        // A subscribe while it is gone says so, and is carried out when the net server returns.
        try world.watcher.publish("\(base)/control", #"{"command":"subscribe","transaction":2}"#)
        #expect(world.watcher.waitFor("\(base)/control/response") { response in
            response["transaction"] == 2 && response["status"] == "error"
                && response["error"]?.stringValue?.contains("subscribes again when it registers") == true
        })
        try world.watcher.publish("\(base)/control", #"{"command":"unsubscribe","transaction":3}"#)
        #expect(world.watcher.waitFor("\(base)/control/response") { $0["transaction"] == 3 && $0["status"] == "ok" })

        // The last word was unsubscribe: the returning net server gets no subscription.
        try world.startNet()
        #expect(eventually { world.status.netServerAvailable })
        pause(0.3)
        #expect(!world.status.subscribed)
        #expect(world.net?.statistics.subscribers == 0)

        try world.watcher.publish("\(base)/control", #"{"command":"subscribe","transaction":4}"#)
        #expect(world.watcher.waitFor("\(base)/control/response") { $0["transaction"] == 4 && $0["status"] == "ok" })
        world.source.emit(netStatus(7))
        #expect(eventually { world.status.lastStatus == netStatus(7) })
    }

    @Test("after a restart updates flow again; a gateway whose net server is gone for good still stops promptly")
    func subscribeWhileGone() throws {
        let world = try World(healthIntervalSeconds: 1)
        defer { world.shutdown() }
        #expect(eventually(timeout: 10) { world.status.subscribed })
        world.stopNet()
        #expect(eventually(timeout: 5) { world.status.netServerLost == 1 })
        try world.startNet()
        #expect(eventually(timeout: 5) { world.status.subscribed })
        world.source.emit(netStatus(3))
        #expect(eventually { world.status.lastStatus == netStatus(3) })

        // Gone for good: the gateway must still stop promptly, though its waiter cannot be
        // cancelled; the kernel's shutdown releases the waiter.
        world.stopNet()
        #expect(eventually(timeout: 5) { world.status.netServerLost == 2 })
        let stopping = MonotonicInstant.now
        world.shutdown()
        #expect(MonotonicInstant.now.nanoseconds(since: stopping) < 3_000_000_000)
        #expect(eventually { !gatewayThreadNames().contains("gw-net-wait") })
    }
}

/// A distinct connected status for step `index`.
func netStatus(_ index: Int) -> WlanStatus {
    var ipv4 = Ipv4Conf.default
    ipv4.dhcp = .bound
    ipv4.addr = IPv4Address(10, 9, 0, UInt8(index % 250 + 1))
    ipv4.gateway = IPv4Address(10, 9, 0, 254)
    ipv4.mask = IPv4Address(255, 255, 255, 0)
    return WlanStatus(ssid: try? SsidRecord(name: "restart-\(index)", rssi: 50), linkState: .connected, ipv4: ipv4)
}

/// The names of this process's gateway and net server threads, sorted (the test runner's own
/// threads come and go with the machine's load, so they are left out).
func gatewayThreadNames() -> [String] {
    guard let directory = opendir("/proc/self/task") else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let id = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard !id.hasPrefix(".") else { continue }
        // Digits dropped: a pusher's name carries a CID, which may differ from one net server to the next.
        let name = String(readTextFile("/proc/self/task/\(id)/comm").filter { !$0.isNewline && !$0.isNumber })
        if name.hasPrefix("gw-") || name.hasPrefix("net-") { names.append(name) }
    }
    return names.sorted()
}
