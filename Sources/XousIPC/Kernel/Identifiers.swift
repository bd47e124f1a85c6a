/// A connection ID: a process-local slot number that stands for a connection to one server.
/// Valid CIDs are 2...33 (Xous's `connection_map` of 32 slots, CID = slot + 2).
public typealias CID = UInt32

/// A process ID (Xous's `PID = NonZeroU8`).
public typealias PID = UInt8

/// A message's opcode (Xous's `MessageId = usize`).
public typealias MessageID = UInt

/// The five kinds of Xous message, with the two numberings Xous uses for them.
public enum MessageKind: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Memory the server may change; returned to the lender with a new offset and length.
    case mutableBorrow
    /// Memory the server may read; returned to the lender when the envelope is dropped.
    case borrow
    /// Memory given away: the pages belong to the receiver.
    case move
    /// Four words, fire and forget.
    case scalar
    /// Four words; the sender blocks until `returnScalar`.
    case blockingScalar

    /// The number in syscall arguments (`message_type()`): MutableBorrow 1 … BlockingScalar 5.
    public var syscallCode: Int { rawValue + 1 }

    /// The number inside `Result::MessageEnvelope` (`Message::to_usize()`): 0 … 4.
    public var envelopeCode: Int { rawValue }

    /// True for the kinds whose sender waits for a reply (`is_blocking()`).
    public var isBlocking: Bool { self == .mutableBorrow || self == .borrow || self == .blockingScalar }

    /// True for the kinds that carry pages (`has_memory()`).
    public var hasMemory: Bool { self == .mutableBorrow || self == .borrow || self == .move }

    public var description: String {
        switch self {
        case .mutableBorrow: "MutableBorrow"
        case .borrow: "Borrow"
        case .move: "Move"
        case .scalar: "Scalar"
        case .blockingScalar: "BlockingScalar"
        }
    }
}

/// Xous's `ScalarMessage`: an opcode and four machine words.
public struct ScalarMessage: Hashable, Sendable {
    /// The opcode.
    public var id: MessageID
    /// The first argument word.
    public var arg1: UInt
    /// The second argument word.
    public var arg2: UInt
    /// The third argument word.
    public var arg3: UInt
    /// The fourth argument word.
    public var arg4: UInt

    /// A scalar message; unused arguments are zero.
    public init(id: MessageID, _ arg1: UInt = 0, _ arg2: UInt = 0, _ arg3: UInt = 0, _ arg4: UInt = 0) {
        self.id = id
        self.arg1 = arg1
        self.arg2 = arg2
        self.arg3 = arg3
        self.arg4 = arg4
    }

    /// The four arguments in order.
    public var args: [UInt] { [arg1, arg2, arg3, arg4] }
}

/// What a successful send returns (the subset of `xous::Result` that messages produce).
public enum XousResult: Hashable, Sendable {
    /// A non-blocking message was queued or handed to a waiting server.
    case ok
    /// Reply to a BlockingScalar via `return_scalar`.
    case scalar1(UInt)
    /// Reply to a BlockingScalar via `return_scalar2`.
    case scalar2(UInt, UInt)
    /// Reply to a BlockingScalar via `return_scalar5`.
    case scalar5(UInt, UInt, UInt, UInt, UInt)
    /// A Borrow or MutableBorrow came back; offset and valid as the server left them (0 = none).
    case memoryReturned(offset: Int, valid: Int)
}

/// Identifies a received message so that the server can answer it (Xous's `MessageSender`).
///
/// `data` has Xous's packing: bits 31…24 the sender's PID, 23…16 the server index, 15…0 the
/// queue slot. The model adds a private generation number so that a stale sender (a second
/// answer after the slot was reused) is refused as `DoubleFree` rather than answering a stranger.
public struct MessageSender: Hashable, Sendable, CustomStringConvertible {
    /// Xous's packed sender word.
    public let data: UInt
    let generation: UInt64

    init(pid: PID, serverIndex: Int, slot: Int, generation: UInt64) {
        data = UInt(pid) << 24 | UInt(serverIndex & 0xff) << 16 | UInt(slot & 0xffff)
        self.generation = generation
    }

    /// A sender word as a hosted-mode kernel hands it over; the generation is the kernel's
    /// business there, so none is kept.
    init(data: UInt) {
        self.data = data & 0xffff_ffff
        generation = 0
    }

    /// The PID of the process that sent the message.
    public var pid: PID { PID(truncatingIfNeeded: data >> 24) }
    var serverIndex: Int { Int((data >> 16) & 0xff) }
    var slot: Int { Int(data & 0xffff) }

    public var description: String { "MessageSender(pid: \(pid))" }
}
