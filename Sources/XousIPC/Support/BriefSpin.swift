#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import SystemSupport

/// A short, bounded busy wait that a thread does before it parks.
///
/// Xous hands the CPU straight to the server a blocking message wakes; here every hand-off is
/// an OS thread waking another, and on a virtual machine waking a thread on an idle virtual
/// CPU costs tens of microseconds (the host must schedule that CPU again). A server that is
/// about to get its next message within a few microseconds (a bouncer waiting for its
/// subscriber's reply, a main loop between two updates) does better to stay on its CPU and
/// look. The wait yields the CPU on every turn, so a thread that is runnable on the same CPU
/// (often the very peer being waited for) runs meanwhile, and it ends after
/// `Kernel.spinNanoseconds`: a thread with nothing to do parks as before and costs nothing idle.
enum BriefSpin {
    /// Returns when `changed` is true or the time is up; true when `changed` became true.
    @inline(__always)
    static func until(_ changed: () -> Bool) -> Bool {
        let budget = Kernel.spinNanoseconds
        guard budget > 0 else { return changed() }
        let start = MonotonicInstant.now
        while true {
            if changed() { return true }
            if MonotonicInstant.now.nanoseconds(since: start) >= budget { return changed() }
            sched_yield()
        }
    }
}

/// A counter other threads may read without the kernel lock, for `BriefSpin`'s look.
final class ChangeCounter: Sendable {
    private let value = Atomic<UInt64>(0)

    /// Counts a change; the kernel lock is held.
    @inline(__always) func bump() { value.add(1, ordering: .releasing) }

    /// The count so far.
    @inline(__always) var current: UInt64 { value.load(ordering: .acquiring) }
}

/// Whether a wait is worth looking before parking: adapts `BriefSpin` to the traffic.
///
/// Looking pays only in a stream, when the next message or reply is microseconds away. When
/// updates come a few hundred microseconds apart every look runs out, and the looking threads
/// take the CPU from the ones carrying the update on (libmosquitto's, the broker's), which
/// multiplied the CPU per update (BENCHMARKS.md). So after a look that ran out, the next wait
/// parks at once, and looking resumes once a parked wait ends within four budgets (200 µs by
/// default: updates more than 5,000 a second apart are a stream; a wake-up on this VM can
/// itself take tens of microseconds, so one budget would turn looking off in a stream too).
struct SpinHint {
    private var worthwhile = true

    /// Whether to look before this wait.
    var shouldSpin: Bool { worthwhile && Kernel.spinNanoseconds > 0 }

    /// The look found what it waited for (`true`) or ran out (`false`).
    mutating func spun(found: Bool) { worthwhile = found }

    /// A wait that parked at once ended after `nanoseconds`.
    mutating func parked(for nanoseconds: UInt64) {
        if nanoseconds <= 4 * Kernel.spinNanoseconds { worthwhile = true }
    }
}
