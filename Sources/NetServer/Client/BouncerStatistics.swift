import Synchronization

/// What a bouncer did with the messages that reached it.
public final class BouncerStatistics: Sendable {
    /// Why the bouncer refused a message.
    public enum Refusal: Int, CaseIterable, Sendable {
        /// An opcode other than Update and Drop.
        case unknownOpcode
        /// Update or Drop, but not as the kind the protocol uses (a Move for Update, a
        /// BlockingScalar for Drop): a scalar instead of memory, a Borrow, a MutableBorrow, …
        case wrongKind
        /// An Update whose buffer is not a well-formed `WlanStatusIpc`: empty, truncated,
        /// oversized, an `offset` beyond its pages, or bytes that break the layout's rules.
        case malformedUpdate
        /// A Drop from another process: only the subscriber's own `NetManager` may end the
        /// bouncer, so a peer holding the SID cannot cut the subscription.
        case strangerDrop
    }

    private let forwardedCount = Atomic<Int>(0)
    private let undeliveredCount = Atomic<Int>(0)
    private let unknownOpcodeCount = Atomic<Int>(0)
    private let wrongKindCount = Atomic<Int>(0)
    private let malformedCount = Atomic<Int>(0)
    private let strangerDropCount = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)

    init() {}

    func forwarded() { forwardedCount.wrappingAdd(1, ordering: .relaxed) }
    func undelivered() { undeliveredCount.wrappingAdd(1, ordering: .relaxed) }

    /// Counts a refusal; returns how many messages have been refused so far, this one included.
    func refused(_ reason: Refusal) -> Int {
        switch reason {
        case .unknownOpcode: unknownOpcodeCount.wrappingAdd(1, ordering: .relaxed)
        case .wrongKind: wrongKindCount.wrappingAdd(1, ordering: .relaxed)
        case .malformedUpdate: malformedCount.wrappingAdd(1, ordering: .relaxed)
        case .strangerDrop: strangerDropCount.wrappingAdd(1, ordering: .relaxed)
        }
        return refusedCount.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Updates passed on to the subscriber's own server.
    public var forwardedUpdates: Int { forwardedCount.load(ordering: .relaxed) }
    /// Messages refused, for any reason.
    public var ignoredMessages: Int { refusedCount.load(ordering: .relaxed) }
    /// Well-formed updates the subscriber's own server could not take (it was gone).
    public var undeliveredUpdates: Int { undeliveredCount.load(ordering: .relaxed) }

    /// Messages refused for `reason`.
    public subscript(_ reason: Refusal) -> Int {
        switch reason {
        case .unknownOpcode: unknownOpcodeCount.load(ordering: .relaxed)
        case .wrongKind: wrongKindCount.load(ordering: .relaxed)
        case .malformedUpdate: malformedCount.load(ordering: .relaxed)
        case .strangerDrop: strangerDropCount.load(ordering: .relaxed)
        }
    }
}
