import Synchronization

/// Counters of the net server, readable from any thread.
public final class NetStatistics: Sendable {
    /// What the counters count.
    public enum Event: Int, CaseIterable, Sendable {
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
    }

    private let counters = Mutex([Int](repeating: 0, count: Event.allCases.count))
    private let subscriberGauge = Atomic<Int>(0)

    init() {}

    func record(_ event: Event) {
        counters.withLock { $0[event.rawValue] += 1 }
    }

    func setSubscribers(_ count: Int) {
        subscriberGauge.store(count, ordering: .relaxed)
    }

    /// How often `event` happened since start.
    public subscript(_ event: Event) -> Int {
        counters.withLock { $0[event.rawValue] }
    }

    /// Subscribers in the table now.
    public var subscribers: Int { subscriberGauge.load(ordering: .relaxed) }
}
