import SystemSupport

/// Network threads that `stop` could not join in time, kept until they end so they can still be
/// joined (an `OSThread` joins when dropped, which would block the caller).
///
/// A thread lands here only when it is stuck in a call nothing can interrupt: `getaddrinfo`
/// waiting on an unresponsive DNS server (the resolver retries on EINTR and has no socket of
/// ours to shut down), or a `stop` from the network thread itself (a delegate method, or the
/// last reference to the client released there). The thread finishes on its own once that call
/// returns: it sees the stop request, destroys its handle and sends nothing more. Any `start`
/// or `stop` joins the threads that have finished by then.
final class AbandonedThreads: @unchecked Sendable {
    static let shared = AbandonedThreads()

    private final class Entry {
        let core: ClientCore
        var thread: OSThread?
        init(core: ClientCore, thread: consuming OSThread) {
            self.core = core
            self.thread = .some(thread)
        }
    }

    private let lock = ConditionLock()
    private var entries: [Entry] = []

    /// Keeps `thread`, which runs `core`'s network loop, until it has finished.
    func adopt(_ thread: consuming OSThread, of core: ClientCore) {
        let entry = Entry(core: core, thread: thread)
        lock.withLock { entries.append(entry) }
    }

    /// Joins every adopted thread that has finished.
    func reap() {
        let finished = lock.withLock { () -> [Entry] in
            let done = entries.filter { entry in entry.core.stateLock.withLock { entry.core.threadFinished } }
            entries.removeAll { entry in done.contains { $0 === entry } }
            return done
        }
        for entry in finished { entry.thread.take()?.join() }
    }

    /// Threads adopted and not yet joined (for tests and diagnostics).
    var count: Int { lock.withLock { entries.count } }
}
