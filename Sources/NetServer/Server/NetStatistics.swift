public import SystemSupport

/// The net server's counters (`NetService.statistics`), readable from any thread.
public typealias NetStatistics = Counters<NetEvent>

/// What the net server counts.
public enum NetEvent: Int, CaseIterable, Sendable {
    /// An Update was queued in a subscriber's server.
    case pushed
    /// An Update could not be delivered.
    case pushFailed
    /// A slow subscriber's outbox overflowed and dropped its oldest update.
    case outboxOverflow
    /// A subscription was added.
    case subscribed
    /// A subscription was removed by UnsubWifiStats.
    case unsubscribed
    /// A subscriber was removed because its server was gone.
    case pruned
    /// A message the net server does not accept (wrong opcode, kind or buffer).
    case rejected
    /// A state from the source was processed.
    case stateChanged
    /// A subscriber left the table, for whatever reason (unsubscribed, pruned, replaced).
    case removed
}

extension Counters where Event == NetEvent {
    /// Subscribers in the table now: every one added and not yet removed.
    public var subscribers: Int { self[.subscribed] - self[.removed] }
}
