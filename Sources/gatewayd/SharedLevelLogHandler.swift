import Logging
import Synchronization

/// gatewayd's log handler: standard error, with one log level for every logger of the process,
/// read on each call, so that a reload (SIGHUP) changes it at once everywhere. swift-log's own
/// handlers keep a copy of the level in each logger.
struct SharedLevelLogHandler: LogHandler {
    /// The level of every logger; set at start and by a reload.
    static let level = Mutex<Logger.Level>(.info)

    private var inner: StreamLogHandler

    init(label: String) {
        inner = StreamLogHandler.standardError(label: label)
        inner.logLevel = .trace  // the shared level filters; the inner handler writes what passes
    }

    /// The shared level; setting it on one logger would not reach the others, so it is set
    /// only through `level`.
    var logLevel: Logger.Level {
        get { Self.level.withLock { $0 } }
        set {}
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) { inner.log(event: event) }
}
