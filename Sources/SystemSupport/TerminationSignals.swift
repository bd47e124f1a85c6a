#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SIGTERM and SIGINT taken on a thread of their own with `sigwait`, for the hosted-mode
/// processes: nothing runs in a signal handler, and the waiting thread sleeps until a signal.
public enum TerminationSignals {
    /// Blocks SIGTERM and SIGINT in the calling thread and in every thread it starts later.
    /// Call before any thread exists.
    /// - Parameter hangUp: SIGHUP too (a daemon that reloads its configuration on it).
    public static func block(hangUp: Bool = false) {
        // A shell starts background jobs with SIGINT ignored, and an ignored signal is thrown
        // away before sigwait can see it: take the default disposition back first.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        if hangUp { signal(SIGHUP, SIG_DFL) }
        var set = signalSet(hangUp: hangUp)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Calls `action` with the signal's number for each SIGTERM or SIGINT, on a detached thread
    /// named `threadName`.
    public static func onSignal(
        threadName: String = "signals", hangUp: Bool = false, _ action: @escaping @Sendable (Int32) -> Void
    ) throws(OSThread.Unavailable) {
        try OSThread(name: threadName, stackSize: 64 * 1024) {
            var set = signalSet(hangUp: hangUp)
            var number: Int32 = 0
            while sigwait(&set, &number) == 0 { action(number) }
        }.detach()
    }

    /// Exits at once, without running anything else of the process (`_exit`): for a second
    /// signal, when the orderly shutdown the first one began is not awaited.
    public static func exitNow(_ status: Int32) -> Never { _exit(status) }

    private static func signalSet(hangUp: Bool) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        if hangUp { sigaddset(&set, SIGHUP) }
        return set
    }
}
