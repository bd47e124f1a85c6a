import SystemSupport

/// A `WifiSource` driven by its caller: each `emit(_:)` is reported at once, on the calling
/// thread. For tests, demos and benchmarks that need exact control of what happens when.
public final class ManualWifiSource: WifiSource, @unchecked Sendable {
    /// `manual`.
    public let name = "manual"

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var callback: (@Sendable (WlanStatus) -> Void)?
    private var life = WifiSourceLife()
    private var reporter: ThreadIdentity?

    /// A source that reports nothing until started.
    public init() {}

    /// Remembers `emit` for `emit(_:)`.
    /// - Throws: `WifiSourceError` when started before or already stopped.
    public func start(emit: @escaping @Sendable (WlanStatus) -> Void) throws {
        try lock.withLock { () throws(WifiSourceError) in
            try life.start(name)
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
        if reporter?.isCurrent == true {
            lock.unlock()
            return false
        }
        while reporter != nil { lock.wait() }
        guard let callback else {
            lock.unlock()
            return false
        }
        reporter = .current
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
            life.stop()
            callback = nil
            while let reporter, !reporter.isCurrent { lock.wait() }
        }
    }
}
