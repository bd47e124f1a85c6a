#if canImport(Glibc)
import Glibc
#endif
@testable import NetServer
import XousIPC

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
            reporterThreadIDs.insert(gettid())
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

/// The live thread count once it equals `expected`, or the last reading after two seconds:
/// tests in other suites start and end threads too, so one reading can be off for a moment.
func settledThreadCount(expecting expected: Int?) -> Int? {
    let deadline = MonotonicInstant.now.adding(milliseconds: 2000)
    var count = XousThread.liveThreadCount()
    while count != expected, MonotonicInstant.now < deadline {
        usleep(5000)
        count = XousThread.liveThreadCount()
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
