#if canImport(Glibc)
import Glibc
#endif
import XousIPC
import SystemSupport

/// Nanoseconds on CLOCK_MONOTONIC, the clock every figure of the benchmark is taken on.
func nowNanoseconds() -> UInt64 { MonotonicInstant.now.nanoseconds }

/// Sleeps until the monotonic time `nanoseconds` (absolute, so that pacing does not drift with
/// the time each step takes).
func sleepUntil(nanoseconds: UInt64) {
    var spec = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil) == EINTR {}
}

/// Sleeps for `seconds`.
func sleep(seconds: Double) {
    sleepUntil(nanoseconds: nowNanoseconds() + UInt64(seconds * 1e9))
}

/// Percentiles of a latency sample, in microseconds.
struct LatencySummary {
    var count = 0
    var p50 = 0.0, p90 = 0.0, p99 = 0.0, max = 0.0

    /// The summary of `nanoseconds` (nearest-rank percentiles).
    init(nanoseconds: [UInt64]) {
        let sorted = nanoseconds.sorted()
        count = sorted.count
        guard !sorted.isEmpty else { return }
        func rank(_ p: Double) -> Double {
            let index = Swift.max(0, Swift.min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1000
        }
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = Double(sorted[sorted.count - 1]) / 1000
    }
}

/// Arrival times of numbered updates, filled by receiving threads and read by the driver.
///
/// Sequence numbers run from 1 to `capacity`; anything else (a retained message from before,
/// a warm-up update) is counted as foreign and otherwise ignored.
final class ArrivalLog: @unchecked Sendable {
    let capacity: Int
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var arrivals: [UInt64]
    private var received = 0
    private var duplicates = 0
    private var outOfOrder = 0
    private var foreign = 0
    private var highest = 0
    private var lastArrival: UInt64 = 0
    /// The count a waiter waits for: `record` wakes it only then, not on every arrival (a
    /// wake-up per arrival would cost the measured path a context switch per update).
    private var wakeAt = Int.max

    init(capacity: Int) {
        self.capacity = capacity
        arrivals = [UInt64](repeating: 0, count: capacity + 1)
    }

    /// Forgets every arrival, keeping the storage: a soak reuses one log, so that the bench's
    /// own allocations do not move the resident memory it watches.
    func reset() {
        lock.withLock {
            for index in arrivals.indices { arrivals[index] = 0 }
            received = 0
            duplicates = 0
            outOfOrder = 0
            foreign = 0
            highest = 0
            lastArrival = 0
        }
    }

    /// Records that update `seq` arrived now.
    func record(_ seq: Int) {
        let time = nowNanoseconds()
        lock.withLock {
            guard seq >= 1, seq <= capacity else { foreign += 1; return }
            if arrivals[seq] != 0 { duplicates += 1; return }
            arrivals[seq] = time
            received += 1
            if seq < highest { outOfOrder += 1 }
            highest = Swift.max(highest, seq)
            lastArrival = time
            if received >= wakeAt { lock.broadcast() }
        }
    }

    /// Distinct updates received so far.
    var count: Int { lock.withLock { received } }

    /// Waits until `target` distinct updates arrived, or until nothing arrived for `idleSeconds`.
    /// - Returns: whether the target was reached.
    @discardableResult
    func wait(for target: Int, idleSeconds: Double = 5) -> Bool {
        lock.withLock {
            var seen = received
            var deadline = MonotonicInstant.now.adding(milliseconds: UInt64(idleSeconds * 1000))
            wakeAt = target
            defer { wakeAt = Int.max }
            while received < target {
                if received != seen {
                    seen = received
                    deadline = MonotonicInstant.now.adding(milliseconds: UInt64(idleSeconds * 1000))
                }
                // Woken at the target, or at the deadline to see whether anything still arrives.
                if !lock.wait(until: deadline), received == seen { return received >= target }
            }
            return true
        }
    }

    /// What arrived, for the report.
    struct Result {
        var arrivals: [UInt64]
        var received: Int
        var duplicates: Int
        var outOfOrder: Int
        var foreign: Int
        var lastArrival: UInt64
    }

    var result: Result {
        lock.withLock {
            Result(arrivals: arrivals, received: received, duplicates: duplicates, outOfOrder: outOfOrder,
                   foreign: foreign, lastArrival: lastArrival)
        }
    }
}

/// The middle value (the mean of the two middle ones for an even count); 0 for none.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Latencies of updates 1...count that both left (`sent`) and arrived, in nanoseconds.
func latencies(sent: [UInt64], arrivals: [UInt64]) -> [UInt64] {
    var values: [UInt64] = []
    values.reserveCapacity(sent.count)
    for seq in 1..<Swift.min(sent.count, arrivals.count) where sent[seq] != 0 && arrivals[seq] >= sent[seq] {
        values.append(arrivals[seq] - sent[seq])
    }
    return values
}

/// Sends updates 1...count at `rate` per second, recording when each left.
/// - Returns: the send times indexed by sequence number (index 0 unused).
func paced(count: Int, rate: Int, _ send: (Int) -> Void) -> [UInt64] {
    var sent = [UInt64](repeating: 0, count: count + 1)
    let interval = UInt64(1_000_000_000 / max(1, rate))
    let start = nowNanoseconds() + 1_000_000
    for seq in 1...count {
        sleepUntil(nanoseconds: start + UInt64(seq - 1) * interval)
        sent[seq] = nowNanoseconds()
        send(seq)
    }
    return sent
}

/// Sends updates 1...count as fast as the receivers keep up: at most about `window` may be on
/// their way to the slowest of `logs` at once, so no queue on the path (outbox, broker queue)
/// has to drop any.
/// - Returns: when the first update left.
func windowed(count: Int, window: Int, logs: [ArrivalLog], _ send: (Int) -> Void) -> UInt64 {
    let start = nowNanoseconds()
    // Checking every 32 sends keeps the check's cost (one lock per log) out of the figure; a
    // full window waits until half of it has arrived, so the sender sleeps once per half window.
    for seq in 1...count {
        if seq % 32 == 0, seq > window {
            for log in logs where seq - log.count > window {
                guard log.wait(for: seq - window / 2) else { return start }
            }
        }
        send(seq)
    }
    return start
}

/// Writes `text` and a newline to standard error (progress and usage, kept out of the report).
func printError(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
