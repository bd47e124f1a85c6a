import Synchronization

/// What a bouncer did with the messages that reached it.
public final class BouncerStatistics: Sendable {
    private let forwardedCount = Atomic<Int>(0)
    private let ignoredCount = Atomic<Int>(0)
    private let undeliveredCount = Atomic<Int>(0)

    init() {}

    func forwarded() { forwardedCount.wrappingAdd(1, ordering: .relaxed) }
    func ignored() { ignoredCount.wrappingAdd(1, ordering: .relaxed) }
    func undelivered() { undeliveredCount.wrappingAdd(1, ordering: .relaxed) }

    /// Updates passed on to the subscriber's own server.
    public var forwardedUpdates: Int { forwardedCount.load(ordering: .relaxed) }
    /// Messages refused: any opcode but Update and Drop, a wrong kind, or a malformed buffer.
    public var ignoredMessages: Int { ignoredCount.load(ordering: .relaxed) }
    /// Well-formed updates the subscriber's own server could not take (it was gone).
    public var undeliveredUpdates: Int { undeliveredCount.load(ordering: .relaxed) }
}
