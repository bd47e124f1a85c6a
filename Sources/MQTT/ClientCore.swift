import CMosquitto
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// The state shared by an `MQTTClient`, its network thread and libmosquitto's callbacks.
///
/// Two locks, always taken in this order: `handleLock` (the `mosquitto *` may be used only
/// while it is held, so no thread ever touches a handle the network thread has destroyed),
/// then `stateLock` (flags, counters, subscriptions, delegate). libmosquitto is never called
/// with `stateLock` held, and callbacks never take `handleLock`; libmosquitto holds its own
/// mutexes while it runs a callback, so either rule broken could deadlock a publisher against
/// the network thread.
final class ClientCore: @unchecked Sendable {
    /// Where the network thread is; read by `stop` to choose how to wake it.
    enum Phase {
        /// Not started.
        case idle
        /// Between attempts, parked on `stateLock` for the back-off delay.
        case waiting
        /// In `mosquitto_new`/`mosquitto_connect` (resolving, TCP connect, TLS set-up).
        case connecting
        /// Connected at TCP level, driving `mosquitto_loop` (waiting for CONNACK or online).
        case session
        /// Tearing the handle down.
        case closing
        /// The thread has ended.
        case finished
    }

    /// A remembered subscription, sent again after every (clean-session) connection.
    struct Subscription {
        var filter: String
        var qos: Int
    }

    let configuration: MQTTConfiguration
    let logger: Logger

    // Guarded by handleLock.
    let handleLock = ConditionLock()
    var handle: OpaquePointer?

    // Guarded by stateLock.
    let stateLock = ConditionLock()
    var phase = Phase.idle
    var stopRequested = false
    var threadFinished = false
    var status = MQTTStatus()
    var subscriptions: [Subscription] = []
    weak var delegate: (any MQTTClientDelegate)?
    weak var client: MQTTClient?
    /// Message ids acknowledged while `stop` waits for its final message; nil otherwise, so that
    /// normal operation records nothing.
    var acknowledgedWhileStopping: Set<Int32>?
    var networkThread: OSThread?
    var networkThreadHandle: pthread_t?
    var networkThreadID: Int32?

    // Touched only on the network thread (the loop and the callbacks it runs), so unlocked.
    var session = SessionRecord()
    var lastLoggedReason: String?

    init(configuration: MQTTConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The delegate and client to notify, or nil once stopping; read under `stateLock`, called
    /// outside it.
    func eventTarget() -> (delegate: any MQTTClientDelegate, client: MQTTClient)? {
        guard !stopRequested, let delegate, let client else { return nil }
        return (delegate, client)
    }

    var isConnected: Bool { stateLock.withLock { status.connected } }

    var statusSnapshot: MQTTStatus { stateLock.withLock { status } }
}

/// What the network thread learns about one connection from libmosquitto's callbacks.
struct SessionRecord {
    /// The broker sent CONNACK 0.
    var accepted = false
    /// Why the broker refused the connection (CONNACK with a non-zero code), in words.
    var refusal: String?
    /// The code libmosquitto passed to `on_disconnect`; for a DISCONNECT sent by an MQTT 5
    /// broker it is the broker's reason code.
    var disconnectCode: Int32?
    /// The latest error or warning libmosquitto logged, which carries OpenSSL's explanation of
    /// a TLS failure that the return codes do not.
    var libraryComplaint: String?
}
