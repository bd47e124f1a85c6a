#if canImport(Glibc)
import Glibc
#endif
@testable import NetServer
import TestHarness
import XousIPC
import SystemSupport

/// Collects reported states across threads and lets a test wait for a number of them.
final class StatusRecorder: @unchecked Sendable {
    private let lock = ConditionLock()
    private var recorded: [WlanStatus] = []
    private var reporterThreadIDs: Set<pid_t> = []

    var statuses: [WlanStatus] { lock.withLock { recorded } }
    /// The kernel thread IDs that called `record`.
    var threadIDs: Set<pid_t> { lock.withLock { reporterThreadIDs } }

    func record(_ status: WlanStatus) {
        lock.withLock {
            recorded.append(status)
            reporterThreadIDs.insert(currentThreadID())
            lock.broadcast()
        }
    }

    /// Waits until at least `count` states arrived or `seconds` passed; returns what arrived.
    func wait(for count: Int, seconds: UInt64 = 5) -> [WlanStatus] {
        let deadline = MonotonicInstant.now.adding(milliseconds: seconds * 1000)
        return lock.withLock {
            while recorded.count < count, MonotonicInstant.now < deadline { _ = lock.wait(until: deadline) }
            return recorded
        }
    }
}

/// A value one thread delivers once and another waits for with a time limit; issues are
/// recorded by the waiting test, since Swift Testing attributes them by task.
final class OneShot<Value: Sendable>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var value: Value?

    func fire(_ delivered: Value) {
        lock.withLock {
            value = delivered
            lock.broadcast()
        }
    }

    /// The value if it arrived within `milliseconds`.
    func wait(milliseconds: UInt64) -> Value? {
        let deadline = MonotonicInstant.now.adding(milliseconds: milliseconds)
        return lock.withLock {
            while value == nil, MonotonicInstant.now < deadline { _ = lock.wait(until: deadline) }
            return value
        }
    }
}

/// Keeps a thread that is stuck (a failed test) from being joined, which would hang the run.
func abandon(_ thread: consuming OSThread) {
    final class Holder {
        let thread: OSThread
        init(_ thread: consuming OSThread) { self.thread = thread }
    }
    _ = Unmanaged.passRetained(Holder(thread))
}

/// The kernel's ID of the calling thread (glibc's `gettid`, which the Swift overlay does not
/// import), as listed under `/proc/self/task`.
func currentThreadID() -> pid_t {
    guard let file = fopen("/proc/thread-self/stat", "r") else { return -1 }
    defer { fclose(file) }
    var id: Int32 = -1
    return withUnsafeMutablePointer(to: &id) { pointer in
        withVaList([pointer]) { vfscanf(file, "%d", $0) } == 1 ? pointer.pointee : -1
    }
}

/// Whether the kernel still lists thread `tid` of this process, polling up to a second, since a
/// joined thread's task entry can linger for a moment after `pthread_join` returns.
func threadStillExists(_ tid: pid_t) -> Bool {
    let deadline = MonotonicInstant.now.adding(milliseconds: 1000)
    while MonotonicInstant.now < deadline {
        if access("/proc/self/task/\(tid)", F_OK) != 0 { return false }
        usleep(5000)
    }
    return true
}

/// Threads of this process named `name` (their `/proc/self/task/*/comm`).
///
/// The simulated source's tests count `wifi-sim` threads rather than comparing
/// `OSThread.liveThreadCount()`, because suites run in parallel in one process: other tests
/// start and end threads meanwhile, and a full run saw the total go from 11 to 7 around a
/// correct stop().
func liveThreadCount(named name: String) -> Int {
    threadIDs().filter { threadName($0) == name }.count
}

/// The threads one subscription adds: the net server's pusher (`net-push-<cid>`) and the
/// client's bouncer (`net-bouncer`).
/// Threads a subscription owns: pushers, bouncers, watches.
func subscriptionThreadCount() -> Int {
    threadIDs().compactMap(threadName).filter { $0.hasPrefix("net-push-") || $0 == "net-bouncer" || $0 == "net-watch" }.count
}

/// The number of `name` threads once it equals `expected`, or the last reading after two
/// seconds, since a joined thread's task entry can linger for a moment.
func settledThreadCount(named name: String, expecting expected: Int) -> Int {
    let deadline = MonotonicInstant.now.adding(milliseconds: 2000)
    var count = liveThreadCount(named: name)
    while count != expected, MonotonicInstant.now < deadline {
        usleep(5000)
        count = liveThreadCount(named: name)
    }
    return count
}

/// A valid, fully populated state for codec tests.
func sampleStatus(ssid: String = "XousNet", rssiDBm: Int = -52) -> WlanStatus {
    WlanStatus(
        ssid: try! SsidRecord(name: ssid, rssiDBm: rssiDBm),
        linkState: .connected,
        ipv4: Ipv4Conf(
            dhcp: .bound, mac: MACAddress(0x02, 0x00, 0x5e, 0x10, 0x00, 0x01),
            addr: IPv4Address(192, 168, 1, 23), gateway: IPv4Address(192, 168, 1, 1),
            mask: IPv4Address(255, 255, 255, 0), dns1: IPv4Address(192, 168, 1, 1), dns2: .zero
        )
    )
}
