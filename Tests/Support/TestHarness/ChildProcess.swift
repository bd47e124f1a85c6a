#if canImport(Glibc)
import Glibc
#endif

/// A child process a test started (gatewayd, gatewayctl): signals, and its exit status once it
/// has ended. Killed with SIGKILL when released, so a failing test leaves nothing running.
public final class ChildProcess: @unchecked Sendable {
    /// The process id while it runs; nil once it has been reaped.
    public private(set) var pid: Int32?
    /// Its exit status once reaped (128 + n when signal n ended it).
    public private(set) var exitStatus: Int32?

    /// Takes charge of the child `pid`.
    public init(pid: Int32) { self.pid = pid }

    deinit { kill(SIGKILL) }

    /// Sends `signal`; for SIGKILL, also waits for the end.
    public func kill(_ signal: Int32) {
        if let pid, exitStatus == nil { _ = Glibc.kill(pid, signal) }
        if signal == SIGKILL { _ = waitForExit(timeout: 5) }
    }

    /// Waits up to `timeout` seconds for the process to end; its exit status, or nil if it runs on.
    public func waitForExit(timeout: Double) -> Int32? {
        guard let pid else { return exitStatus }
        guard let status = waitForChild(pid, timeout: timeout) else { return nil }
        exitStatus = status
        self.pid = nil
        return status
    }
}
