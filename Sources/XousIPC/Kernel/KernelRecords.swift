import SystemSupport
/// One message from the moment it is queued until it is answered (or dropped).
final class PendingMessage: @unchecked Sendable {
    let kind: MessageKind
    let id: MessageID
    /// The sending process (its identity, not its PID, which a later process may reuse).
    let sender: ProcessRecord
    let scalar: ScalarMessage
    let storage: PageStorage?
    let offset: Int
    let valid: Int
    let generation: UInt64
    /// Set once, under the kernel lock, when a blocking message is answered or abandoned.
    var reply: Result<XousResult, XousError>?
    /// The sender's process ended while this message waited; its answer goes nowhere.
    var senderGone = false
    /// Only blocking messages have a parked sender to wake.
    let replied: ParkingCondition?
    /// Bumped when `reply` is set, so the sender can look for it without the lock; like
    /// `replied`, only blocking messages have one.
    let answered: ChangeCounter?
    /// A hosted sender's continuation, called with the answer where an embedded sender's
    /// thread is woken: no kernel thread waits for a hosted thread's reply.
    let whenAnswered: (@Sendable (Result<XousResult, XousError>) -> Void)?

    init(kind: MessageKind, id: MessageID, sender: ProcessRecord, scalar: ScalarMessage,
         storage: PageStorage?, offset: Int, valid: Int, generation: UInt64,
         whenAnswered: (@Sendable (Result<XousResult, XousError>) -> Void)? = nil) {
        self.kind = kind
        self.id = id
        self.sender = sender
        self.scalar = scalar
        self.storage = storage
        self.offset = offset
        self.valid = valid
        self.generation = generation
        let blocking = kind.isBlocking
        replied = blocking && whenAnswered == nil ? ParkingCondition() : nil
        answered = blocking && whenAnswered == nil ? ChangeCounter() : nil
        self.whenAnswered = blocking ? whenAnswered : nil
    }

    /// Records the answer; returns what tells the sender, to be done once the kernel lock is
    /// released (a sender woken while the lock is still held would only block again on it:
    /// two wake-ups instead of one).
    func answerLater(_ result: Result<XousResult, XousError>) -> SenderWake {
        reply = result
        answered?.bump()
        return SenderWake(condition: replied, continuation: whenAnswered, result: result)
    }

    /// Its sender's process ended: a parked sender thread wakes with `ProcessTerminated`, and
    /// the message stays where it is for its server. Returns what tells the sender once the
    /// kernel lock is released (nil for a message nobody waits on).
    func abandonBySender() -> SenderWake? {
        senderGone = true
        guard kind.isBlocking, reply == nil else { return nil }
        return answerLater(.failure(.processTerminated))
    }
}

/// Telling a blocking message's sender that it was answered: waking its parked thread, or
/// calling a hosted sender's continuation. Done without the kernel lock.
struct SenderWake {
    let condition: ParkingCondition?
    let continuation: (@Sendable (Result<XousResult, XousError>) -> Void)?
    let result: Result<XousResult, XousError>

    func fire() {
        condition?.signal()
        continuation?(result)
    }
}

/// A queue slot: Xous keeps a blocking message's slot busy until it is answered.
enum QueueSlot {
    case empty
    case queued(PendingMessage)
    case awaitingReply(PendingMessage)
}

/// A server: its identity, its owner and its 64-slot FIFO queue.
final class ServerRecord {
    let sid: SID
    let index: Int
    let owner: PID
    var slots: [QueueSlot]
    var freeSlots: [Int]
    /// Slot numbers in arrival order: Xous delivers FIFO.
    var arrivals = SlotRing(capacity: Kernel.queueSlots)
    var awaitingReplies = 0
    var destroyed = false
    /// Receivers park here until a message arrives.
    let messageArrived = ParkingCondition()
    /// Bumped on every arrival and on destruction, so a receiver can look without the lock.
    let arrivalsChanged = ChangeCounter()
    /// Senders park here while the queue is full.
    let slotFreed = ParkingCondition()
    /// Whether the receiver should look before parking on an empty queue, and whether a
    /// blocking sender should look before parking for this server's reply (see
    /// `SpinHint`). Guarded by the kernel lock.
    var receiveSpin = SpinHint()
    var replySpin = SpinHint()
    /// Hosted threads' receives that found the queue empty, oldest first: each arrival goes to
    /// the first of them instead of the queue's end (so while one waits, the queue is empty).
    var waitingReceives: [WaitingReceive] = []

    init(sid: SID, index: Int, owner: PID) {
        self.sid = sid
        self.index = index
        self.owner = owner
        slots = Array(repeating: .empty, count: Kernel.queueSlots)
        freeSlots = Array((0..<Kernel.queueSlots).reversed())
    }

    /// Frees a slot. A sender parked on the full queue is woken only once the receiver has
    /// worked the backlog down to half (`eager` wakes it at once): woken for every freed slot,
    /// it would sleep again after one message and cost two context switches per message, while
    /// woken at half it queues a batch. Xous's own senders do not wait on the slot either; they
    /// retry after yielding.
    ///
    /// - Returns: the condition to signal once the kernel lock is released, nil when no sender
    ///   is to be woken.
    func release(slot: Int, eager: Bool) -> ParkingCondition? {
        slots[slot] = .empty
        freeSlots.append(slot)
        return eager || arrivals.count <= Kernel.queueSlots / 2 ? slotFreed : nil
    }
}

/// A fixed-capacity ring of slot numbers.
struct SlotRing {
    private var storage: [Int]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { storage = Array(repeating: 0, count: capacity) }

    var isEmpty: Bool { count == 0 }

    mutating func append(_ slot: Int) {
        storage[(head + count) % storage.count] = slot
        count += 1
    }

    mutating func removeFirst() -> Int {
        let slot = storage[head]
        head = (head + 1) % storage.count
        count -= 1
        return slot
    }

    mutating func removeAll() -> [Int] {
        var all: [Int] = []
        while !isEmpty { all.append(removeFirst()) }
        return all
    }
}

/// A process's kernel-side state: its name and its 32 connection slots. Guarded by the
/// kernel lock.
final class ProcessRecord {
    let pid: PID
    let name: String
    /// Slot `n` is CID `n + 2`; a slot points at the server it connects to. A slot that points
    /// at a destroyed server is a tombstone (its server's process ended): it stays taken until
    /// disconnected.
    var connections: [ServerRecord?] = Array(repeating: nil, count: Kernel.maxConnections)
    var terminated = false

    init(pid: PID, name: String) {
        self.pid = pid
        self.name = name
    }

    /// The slot of `cid`, nil for a number outside 2...33.
    func slotIndex(for cid: CID) -> Int? {
        guard cid >= Kernel.firstCID, Int(cid) < Kernel.maxConnections + Int(Kernel.firstCID) else { return nil }
        return Int(cid - Kernel.firstCID)
    }

    /// The live server `cid` connects to: nil for a free slot, a tombstone or a bad number.
    func server(for cid: CID) -> ServerRecord? {
        guard let slot = slotIndex(for: cid), let server = connections[slot], !server.destroyed else { return nil }
        return server
    }

    var usedConnections: Int { connections.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
}

/// A hosted thread's `ReceiveMessage` that found its server's queue empty.
///
/// Xous's kernel hands a message straight to a thread waiting in `receive_message`. A hosted
/// kernel here does the same: the thread that queues the next message (another session's
/// reader, mostly) takes it off the queue for this receive and writes the answer, where a kernel
/// thread parked for it would cost a wake-up per message.
final class WaitingReceive: @unchecked Sendable {
    /// Called once, without the kernel lock: with the message, or with `ServerNotFound` when
    /// the server goes first.
    let deliver: @Sendable (Result<ReceivedMessage, XousError>) -> Void

    init(_ deliver: @escaping @Sendable (Result<ReceivedMessage, XousError>) -> Void) {
        self.deliver = deliver
    }
}
