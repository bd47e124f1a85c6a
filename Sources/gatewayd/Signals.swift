import XousIPC

/// SIGTERM and SIGINT for gatewayd, on `TerminationSignals`' thread: no code runs in a signal
/// handler (libmosquitto must never be called from one), and the gateway just gets a message.
enum Signals {
    /// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later. Call
    /// first thing, before any thread exists.
    static func blockTermination() { TerminationSignals.block() }

    /// Calls `action` on the first SIGTERM or SIGINT; a second one calls `beforeForcedExit`
    /// and exits at once (status 130).
    static func onTermination(
        _ action: @escaping @Sendable () -> Void, beforeForcedExit: @escaping @Sendable () -> Void = {}
    ) throws {
        // Only the signal thread touches the count.
        nonisolated(unsafe) var seen = 0
        try TerminationSignals.onSignal(threadName: "gw-signals") { _ in
            seen += 1
            if seen == 1 { action() } else { beforeForcedExit(); TerminationSignals.exitNow(130) }
        }
    }
}
