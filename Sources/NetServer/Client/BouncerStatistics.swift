public import SystemSupport

/// What a bouncer did with the messages that reached it, readable from any thread.
public typealias BouncerStatistics = Counters<BouncerEvent>

/// What a bouncer counts: what it passed on, and each reason it refused a message for.
public enum BouncerEvent: Int, CaseIterable, Sendable {
    /// An Update passed on to the subscriber's own server.
    case forwarded
    /// A well-formed Update the subscriber's own server could not take (it was gone).
    case undelivered
    /// Refused: an opcode other than Update and Drop.
    case unknownOpcode
    /// Refused: Update or Drop, but not as the kind the protocol uses (a Move for Update, a
    /// BlockingScalar for Drop): a scalar instead of memory, a Borrow, a MutableBorrow, …
    case wrongKind
    /// Refused: an Update whose buffer is not a well-formed `WlanStatusIpc`: empty, truncated,
    /// oversized, an `offset` beyond its pages, or bytes that break the layout's rules.
    case malformedUpdate
    /// Refused: a Drop from another process: only the subscriber's own `NetManager` may end the
    /// bouncer, so a peer holding the SID cannot cut the subscription.
    case strangerDrop

    /// The reasons for refusing a message.
    public static let refusals: [BouncerEvent] = [.unknownOpcode, .wrongKind, .malformedUpdate, .strangerDrop]
}

extension Counters where Event == BouncerEvent {
    /// Updates passed on to the subscriber's own server.
    public var forwardedUpdates: Int { self[.forwarded] }
    /// Messages refused, for any reason.
    public var ignoredMessages: Int { total(BouncerEvent.refusals) }
    /// Well-formed updates the subscriber's own server could not take (it was gone).
    public var undeliveredUpdates: Int { self[.undelivered] }
}
