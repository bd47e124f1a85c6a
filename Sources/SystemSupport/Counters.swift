import Synchronization

/// How often each event of a kind has happened, counted from any thread and read from any.
///
/// `Event` names what is counted (an enum whose raw values are 0, 1, 2, …); a domain adds what
/// it derives from the counts in an extension, so that the counting itself is written once.
public final class Counters<Event: CaseIterable & RawRepresentable & Sendable>: Sendable where Event.RawValue == Int {
    private let counts: Mutex<[Int]>

    /// Every count at zero.
    public init() { counts = Mutex([Int](repeating: 0, count: Event.allCases.count)) }

    /// Counts `event` once; returns how many of `group` have happened now, this one included
    /// (by default `event`'s own count), read under the same lock.
    @discardableResult
    public func record(_ event: Event, countingTogether group: [Event] = []) -> Int {
        counts.withLock { counts in
            counts[event.rawValue] += 1
            return group.isEmpty ? counts[event.rawValue] : group.reduce(0) { $0 + counts[$1.rawValue] }
        }
    }

    /// How often `event` has happened.
    public subscript(_ event: Event) -> Int { counts.withLock { $0[event.rawValue] } }

    /// How often any of `events` has happened.
    public func total(_ events: some Sequence<Event>) -> Int {
        counts.withLock { counts in events.reduce(0) { $0 + counts[$1.rawValue] } }
    }
}
