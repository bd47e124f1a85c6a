#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import XousIPC
import SystemSupport

/// A `WifiSource` driven by its caller: each `emit(_:)` is reported at once, on the calling
/// thread. For tests, demos and benchmarks that need exact control of what happens when.
public final class ManualWifiSource: WifiSource, @unchecked Sendable {
    /// `manual`.
    public let name = "manual"

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var callback: (@Sendable (WlanStatus) -> Void)?
    private var started = false
    private var stopped = false
    private var reporter: pthread_t?

    /// A source that reports nothing until started.
    public init() {}

    /// Remembers `emit` for `emit(_:)`.
    /// - Throws: `WifiSourceError` when started before or already stopped.
    public func start(emit: @escaping @Sendable (WlanStatus) -> Void) throws {
        try lock.withLock { () throws(WifiSourceError) in
            guard !stopped else { throw .stopped(source: name) }
            guard !started else { throw .alreadyStarted(source: name) }
            started = true
            callback = emit
        }
    }

    /// Reports `status` to the started callback and returns when it has.
    ///
    /// Reports from several threads are delivered one at a time, as `WifiSource` promises.
    /// - Returns: false, dropping `status`, when the source is not started, is stopped, or
    ///   when called from inside the callback (which would wait for itself).
    @discardableResult
    public func emit(_ status: WlanStatus) -> Bool {
        lock.lock()
        if let reporter, pthread_equal(reporter, pthread_self()) != 0 {
            lock.unlock()
            return false
        }
        while reporter != nil { lock.wait() }
        guard let callback else {
            lock.unlock()
            return false
        }
        reporter = pthread_self()
        lock.unlock()
        callback(status)
        lock.withLock {
            reporter = nil
            lock.broadcast()
        }
        return true
    }

    /// Drops the callback, waiting for a report in progress on another thread to finish.
    public func stop() {
        lock.withLock {
            stopped = true
            callback = nil
            while let reporter, pthread_equal(reporter, pthread_self()) == 0 { lock.wait() }
        }
    }
}
