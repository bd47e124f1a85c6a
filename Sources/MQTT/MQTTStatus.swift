public import SystemSupport

/// A snapshot of the client's connection and counters, for `gatewayctl status` and the health topic.
public struct MQTTStatus: Sendable, Hashable {
    /// Whether the broker has accepted the current connection (CONNACK 0) and it has not been lost.
    public var connected: Bool = false
    /// When the current connection was accepted, on the monotonic clock (for uptimes); nil while offline.
    public var connectedSince: MonotonicInstant?
    /// The same moment as wall-clock seconds since the Unix epoch (for display); nil while offline.
    public var connectedSinceEpochSeconds: Double?
    /// Connections the broker accepted since start.
    public var connects: Int = 0
    /// Accepted connections after the first one, that is, successful reconnections.
    public var reconnects: Int = 0
    /// Connection attempts since start, successful or not.
    public var attempts: Int = 0
    /// Why the most recent attempt failed or the most recent connection ended; kept after a
    /// successful reconnection so that the cause of the last outage stays visible.
    public var lastError: String?
    /// Messages handed to libmosquitto for sending.
    public var published: Int = 0
    /// `publish` calls that failed, including those refused because the client was offline.
    public var publishErrors: Int = 0
    /// Messages received on subscribed topics.
    public var received: Int = 0

    /// An empty status: never connected, all counters zero.
    public init() {}
}
