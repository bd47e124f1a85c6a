/// Why a `WifiSource` refused to start. A source plays once: it is started at most once and
/// not after it has been stopped, so that `stop()`'s promise that `emit` is done stays true.
public enum WifiSourceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `start` was called a second time.
    case alreadyStarted(source: String)
    /// `start` was called after `stop`.
    case stopped(source: String)

    /// A sentence naming the source.
    public var description: String {
        switch self {
        case let .alreadyStarted(source): "Wi-Fi source '\(source)' was already started"
        case let .stopped(source): "Wi-Fi source '\(source)' was stopped and cannot start"
        }
    }
}

/// Where a Wi-Fi source is in its one life (not started, started, stopped), and the check every
/// source's `start` makes with it, so that `stop()`'s promise that `emit` is done stays true.
public struct WifiSourceLife: Sendable {
    /// `start` succeeded once.
    public private(set) var started = false
    /// `stop` was called.
    public private(set) var stopped = false

    /// Not started.
    public init() {}

    /// Marks the source `name` started, unless it was started before or stopped.
    public mutating func start(_ name: String) throws(WifiSourceError) {
        guard !stopped else { throw .stopped(source: name) }
        guard !started else { throw .alreadyStarted(source: name) }
        started = true
    }

    /// Marks it stopped; it never starts again.
    public mutating func stop() { stopped = true }
}
