#if canImport(Glibc)
import Glibc
#endif
import XousIPC

/// SIGTERM and SIGINT handled on a thread of their own with `sigwait`: no code runs in a signal
/// handler (libmosquitto must never be called from one), and the gateway just gets a message.
enum Signals {
    /// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later. Call
    /// first thing, before any thread exists.
    static func blockTermination() {
        // A shell starts background jobs with SIGINT ignored, and an ignored signal is thrown
        // away before sigwait can see it: take the default disposition back first.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        var set = terminationSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Calls `action` on the first SIGTERM or SIGINT; a second one calls `beforeForcedExit`
    /// and exits at once (status 130).
    static func onTermination(
        _ action: @escaping @Sendable () -> Void, beforeForcedExit: @escaping @Sendable () -> Void = {}
    ) throws {
        _ = try XousThread(name: "gw-signals", stackSize: 64 * 1024) {
            var set = terminationSet()
            var signal: Int32 = 0
            var seen = 0
            while sigwait(&set, &signal) == 0 {
                seen += 1
                if seen == 1 { action() } else { beforeForcedExit(); _exit(130) }
            }
        }.detach()
    }

    private static func terminationSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }
}
