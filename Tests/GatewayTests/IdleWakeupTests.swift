#if canImport(Glibc)
import Glibc
#endif
import TestHarness
import Testing

/// gatewayd idle uses no CPU: every thread stays parked until there is work.
@Suite("gatewayd at rest", .serialized)
struct IdleWakeupTests {
    /// Each thread's context switches so far (voluntary plus involuntary), by thread id.
    func switches(of pid: pid_t) -> [Int32: Int] {
        var result: [Int32: Int] = [:]
        for entry in directoryEntries("/proc/\(pid)/task") {
            guard let tid = Int32(entry), let count = contextSwitches(ofThread: tid, process: "\(pid)") else { continue }
            result[tid] = count
        }
        return result
    }

    @Test("once up, no thread wakes, also when the discovery scan's time-out would have come (3 s)")
    func noWakeUpsAtRest() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let watcher = try Observer(broker: broker)
        // A simulated source that never changes, a health report once an hour.
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "86400000", "--health-interval-s", "3600"], logLevel: "info")
        defer { gateway.kill(SIGTERM) }
        #expect(watcher.waitFor("wifi-gateway/bridge/discovery"), "\(gateway.log)")
        pause(0.5)
        let pid = try #require(gateway.pid)
        let before = switches(of: pid)
        pause(4)
        let after = switches(of: pid)
        let woken = after.compactMap { tid, count -> String? in
            let name = readTextFile("/proc/\(pid)/task/\(tid)/comm").split(separator: "\n").first.map(String.init) ?? "?"
            return count != (before[tid] ?? 0) ? "\(name) \(count - (before[tid] ?? 0))" : nil
        }
        #expect(woken.isEmpty, "threads woken while idle: \(woken)")
    }
}
