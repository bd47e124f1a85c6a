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
