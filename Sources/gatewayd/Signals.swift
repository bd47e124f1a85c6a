#if canImport(Glibc)
import Glibc
#endif
import XousIPC
import Synchronization
import SystemSupport

/// SIGTERM and SIGINT for gatewayd, on `TerminationSignals`' thread: no code runs in a signal
/// handler (libmosquitto must never be called from one), and the gateway just gets a message.
enum Signals {
    /// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later. Call
    /// first thing, before any thread exists.
    static func blockTermination() { TerminationSignals.block(hangUp: true) }

    /// What a SIGTERM or SIGINT does at each moment from exec to exit, so that one always ends
    /// the process within 2 s (`Signals.install` before anything else):
    /// - before the gateway serves (reading the configuration, joining a kernel, waiting for
    ///   the net server, the first connection): exit at once, status 0 (nothing was published
    ///   that a shutdown would have to take back);
    /// - while it serves: the orderly shutdown (unsubscribe, `offline`, disconnect), with a
    ///   watchdog that exits (status 1) if it has not ended 1.8 s later;
    /// - a second signal: exit at once, status 130.
    /// Each forced exit first runs the cleanup given (the control socket's file).
    final class Lifecycle: Sendable {
        private struct State {
            var shutdown: (@Sendable () -> Bool)?
            var cleanup: (@Sendable () -> Void)?
            var signals = 0
            var reload: (@Sendable () -> Void)?
        }

        private let state = Mutex(State())

        /// From now on SIGHUP calls `reload` (before, it is logged and ignored: the settings
        /// being read are the file's as it is now anyway).
        func onReload(_ reload: @escaping @Sendable () -> Void) { state.withLock { $0.reload = reload } }

        /// From now on a signal asks `requestShutdown`, which returns false while the gateway
        /// does not serve yet (then the process exits at once).
        func serve(_ requestShutdown: @escaping @Sendable () -> Bool, cleanup: @escaping @Sendable () -> Void) {
            state.withLock {
                $0.shutdown = requestShutdown
                $0.cleanup = cleanup
            }
        }

        fileprivate func signalled(_ number: Int32) {
            if number == SIGHUP {
                // On the signal thread: reloading reads a file and may log, nothing more.
                state.withLock { $0.reload }?()
                return
            }
            let (count, shutdown, cleanup) = state.withLock { state in
                state.signals += 1
                return (state.signals, state.shutdown, state.cleanup)
            }
            guard count == 1 else {
                cleanup?()
                TerminationSignals.exitNow(130)
            }
            guard let shutdown, shutdown() else {
                cleanup?()
                TerminationSignals.exitNow(0)
            }
            // The orderly shutdown runs on the main thread; this one only watches the clock.
            _ = try? OSThread(name: "gw-watchdog", stackSize: 64 * 1024) {
                usleep(1_800_000)
                cleanup?()
                TerminationSignals.exitNow(1)
            }.detach()
        }
    }

    /// Starts the thread that takes SIGTERM, SIGINT and SIGHUP, which `blockTermination` (at
    /// the top of `main`) has blocked in every thread.
    static func install() throws -> Lifecycle {
        let lifecycle = Lifecycle()
        try TerminationSignals.onSignal(threadName: "gw-signals", hangUp: true) { lifecycle.signalled($0) }
        return lifecycle
    }
}
