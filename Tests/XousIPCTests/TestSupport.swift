#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import XousIPC
import SystemSupport

/// The setting of most specification tests: a fresh kernel, a process "owner" with one server,
/// and a process "client" connected to it. The caller shuts the kernel down (`defer`); if the
/// setting cannot be made, the kernel is shut down here.
func ownerAndClient() throws -> (kernel: Kernel, owner: XousProcess, client: XousProcess, sid: SID, cid: CID) {
    let kernel = Kernel()
    do {
        let owner = try kernel.createProcess(name: "owner")
        let client = try kernel.createProcess(name: "client")
        let sid = try owner.createServer()
        return (kernel, owner, client, sid, try client.tryConnect(sid))
    } catch {
        kernel.shutdown()
        throw error
    }
}

/// How long a test lets a call run before it concludes that the call is parked.
let parkingMilliseconds: UInt32 = 150

/// A call that should have returned did not: a bug parked it. The test fails with this instead
/// of hanging the whole suite.
struct StillBlocked: Error, CustomStringConvertible {
    let call: String
    let milliseconds: UInt64
    var description: String { "\(call) was still blocked after \(milliseconds) ms" }
}

/// A blocking call running on a thread of its own (an `OSThread` in a `ThreadGroup`), so that
/// the test's thread can check that it is parked, wake it, and collect what it returned.
///
/// The outcome is stored under a `Mutex` the moment the call returns, so "has it returned yet?"
/// is a flag read. If the call never returns (a bug), the thread is abandoned rather than
/// joined, so that the test fails instead of hanging.
final class Background<Value: Sendable>: Sendable {
    private final class Box: Sendable {
        let outcome = Mutex<Result<Value, any Error>?>(nil)
    }

    private let box = Box()
    private let group = ThreadGroup()
    private let settled = Atomic<Bool>(false)
    let name: String

    /// Starts `body` on a new thread named `name`.
    init(_ name: String, _ body: @escaping @Sendable () throws -> Value) throws(OSThread.Unavailable) {
        self.name = name
        let box = self.box
        try group.spawn(name) {
            let result = Result { try body() }
            box.outcome.withLock { $0 = result }
        }
    }

    /// True once the call has returned or thrown.
    var hasReturned: Bool { box.outcome.withLock { $0 != nil } }

    /// Waits `milliseconds`, then tells whether the call is still parked.
    func isStillBlocked(afterMilliseconds milliseconds: UInt32 = parkingMilliseconds) -> Bool {
        usleep(milliseconds * 1000)
        return !hasReturned
    }

    /// What the call returned or threw, waiting for it up to `milliseconds`; then the thread is
    /// joined. A call still parked at the deadline throws `StillBlocked`.
    func outcome(withinMilliseconds milliseconds: UInt64 = 5000) throws(StillBlocked) -> Result<Value, any Error> {
        let deadline = MonotonicInstant.now.adding(milliseconds: milliseconds)
        while true {
            if let result = box.outcome.withLock({ $0 }) {
                if !settled.exchange(true, ordering: .acquiringAndReleasing) { group.joinAll() }
                return result
            }
            if deadline < MonotonicInstant.now {
                // Never join a thread that may stay parked forever: leak it instead.
                if !settled.exchange(true, ordering: .acquiringAndReleasing) { _ = Unmanaged.passRetained(group) }
                throw StillBlocked(call: name, milliseconds: milliseconds)
            }
            usleep(1000)
        }
    }

    /// What the call returned; rethrows what it threw.
    func value(withinMilliseconds milliseconds: UInt64 = 5000) throws -> Value {
        try outcome(withinMilliseconds: milliseconds).get()
    }

    deinit {
        // A test that failed early may drop this while the call is parked; give the test's
        // `defer` clean-up a moment to wake it, then join it or leave it.
        if !settled.load(ordering: .acquiring) { _ = try? outcome(withinMilliseconds: 2000) }
    }
}

/// Runs a call that must return promptly (it may park only briefly, or not at all) on a thread
/// of its own: a bug that parks it forever throws `StillBlocked` instead of hanging the suite.
/// The call's own error is rethrown as is.
func promptly<Value: Sendable>(_ name: String = "call", _ body: @escaping @Sendable () throws -> Value) throws -> Value {
    try Background(name, body).value()
}

/// The next message for server `sid`, polling `tryReceive` for up to `milliseconds`, so that the
/// test's own thread never parks in `receive`.
func nextMessage(
    for process: XousProcess, on sid: SID, withinMilliseconds milliseconds: UInt64 = 5000
) throws -> MessageEnvelope {
    let deadline = MonotonicInstant.now.adding(milliseconds: milliseconds)
    while true {
        if let envelope = try process.tryReceive(sid) { return envelope }
        if deadline < MonotonicInstant.now {
            throw StillBlocked(call: "waiting for a message", milliseconds: milliseconds)
        }
        usleep(1000)
    }
}

/// Polls `condition` every millisecond for up to `milliseconds`; returns its last value.
func eventually(withinMilliseconds milliseconds: UInt64 = 2000, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicInstant.now.adding(milliseconds: milliseconds)
    while !condition() {
        if deadline < MonotonicInstant.now { return false }
        usleep(1000)
    }
    return true
}

/// CPU time consumed so far by the calling thread (`CLOCK_THREAD_CPUTIME_ID`), in nanoseconds.
func threadCPUNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// A scalar with opcode `id` and the given words.
func scalar(_ id: MessageID, _ a: UInt = 0, _ b: UInt = 0, _ c: UInt = 0, _ d: UInt = 0) -> Message {
    .scalar(ScalarMessage(id: id, a, b, c, d))
}

/// A blocking scalar with opcode `id` and the given words.
func blockingScalar(_ id: MessageID, _ a: UInt = 0, _ b: UInt = 0, _ c: UInt = 0, _ d: UInt = 0) -> Message {
    .blockingScalar(ScalarMessage(id: id, a, b, c, d))
}

/// True when `process` finds no message waiting on server `sid` (taking one if there is).
func queueIsEmpty(_ sid: SID, for process: XousProcess) throws(XousError) -> Bool {
    try process.tryReceive(sid) == nil
}

/// A received envelope handed to a `Background` call and taken back after it returns. One
/// thread uses it at a time: the test stores it, the background call takes it, works on it and
/// puts it back before returning, and the test reads it only after `outcome` joined that thread.
final class EnvelopeBox: @unchecked Sendable {
    var envelope: MessageEnvelope?

    init(_ envelope: consuming MessageEnvelope) { self.envelope = .some(envelope) }
}
