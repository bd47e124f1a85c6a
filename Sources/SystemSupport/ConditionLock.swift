#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with one condition variable, for a thread that parks until something happens.
///
/// The Xous model parks a thread on one until a message or a reply arrives (Xous parks it in the
/// kernel); other modules park their own threads the same way. A parked thread costs no CPU. Waits with a deadline use the
/// monotonic clock so that a wall-clock step cannot stretch or shorten them.
public final class ConditionLock: @unchecked Sendable {
    // The pthread objects live in their own allocations: they must never move once initialised.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// Creates an unlocked lock with no waiters.
    public init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        initialiseOnMonotonicClock(condition)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Takes the lock, blocking while another thread holds it.
    @inline(__always) public func lock() { pthread_mutex_lock(mutex) }

    /// Releases the lock.
    @inline(__always) public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    @inline(__always)
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Atomically releases the lock and parks until signalled; the lock is held again on return.
    /// Spurious wake-ups happen: callers re-check their predicate in a loop.
    @inline(__always) public func wait() { pthread_cond_wait(condition, mutex) }

    /// Like `wait()` but gives up at `deadline` (a `MonotonicInstant`). Returns false on time-out.
    public func wait(until deadline: MonotonicInstant) -> Bool {
        var spec = deadline.posixTimespec
        return pthread_cond_timedwait(condition, mutex, &spec) != ETIMEDOUT
    }

    /// Wakes one parked thread.
    @inline(__always) public func signal() { pthread_cond_signal(condition) }

    /// Wakes every parked thread.
    @inline(__always) public func broadcast() { pthread_cond_broadcast(condition) }

    /// Parks on `other`, a further condition guarded by this lock's mutex. The kernel model has
    /// one lock and many conditions (one per server queue, one per blocked sender), so that a
    /// wake-up reaches only the thread it concerns.
    @inline(__always) package func wait(on other: ParkingCondition) { pthread_cond_wait(other.condition, mutex) }

    /// Like `wait(on:)` but gives up at `deadline`. Returns false on time-out.
    package func wait(on other: ParkingCondition, until deadline: MonotonicInstant) -> Bool {
        var spec = deadline.posixTimespec
        return pthread_cond_timedwait(other.condition, mutex, &spec) != ETIMEDOUT
    }
}

/// A condition variable used with a `ConditionLock`'s mutex.
package final class ParkingCondition: @unchecked Sendable {
    let condition: UnsafeMutablePointer<pthread_cond_t>

    package init() {
        condition = .allocate(capacity: 1)
        // The monotonic clock, as `ConditionLock`'s own: `wait(on:until:)` takes its deadlines.
        initialiseOnMonotonicClock(condition)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    @inline(__always) package func signal() { pthread_cond_signal(condition) }
    @inline(__always) package func broadcast() { pthread_cond_broadcast(condition) }
}

/// A point on the monotonic clock, in nanoseconds since an arbitrary origin.
public struct MonotonicInstant: Comparable, Hashable, Sendable {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: UInt64

    /// Wraps a raw reading.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The current time.
    public static var now: MonotonicInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicInstant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    /// This instant moved forward by `milliseconds`.
    public func adding(milliseconds: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds &+ milliseconds &* 1_000_000)
    }

    /// Nanoseconds from `earlier` to this instant (0 if `earlier` is later).
    public func nanoseconds(since earlier: MonotonicInstant) -> UInt64 {
        nanoseconds >= earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    var posixTimespec: timespec {
        var spec = timespec()
        spec.tv_sec = Int(nanoseconds / 1_000_000_000)
        spec.tv_nsec = Int(nanoseconds % 1_000_000_000)
        return spec
    }
}

/// Initialises a condition variable whose timed waits read the monotonic clock (every
/// deadline here is a `MonotonicInstant`); Darwin's cannot be set and uses its default.
private func initialiseOnMonotonicClock(_ condition: UnsafeMutablePointer<pthread_cond_t>) {
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    #if !canImport(Darwin)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    #endif
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
}
