/// A received message (Xous's `MessageEnvelope`).
///
/// Noncopyable, because it owns an obligation: dropping the envelope of a Borrow or
/// MutableBorrow returns the memory to the lender, which is parked until then; dropping a Move
/// frees its pages. A BlockingScalar is *not* answered by dropping: as on Xous, call
/// `returnScalar` (or the sender stays blocked and the slot stays busy).
public struct MessageEnvelope: ~Copyable, @unchecked Sendable {
    /// Who sent it, for `returnScalar`.
    public let sender: MessageSender
    /// The opcode the sender chose.
    public let id: MessageID
    /// The message kind.
    public let kind: MessageKind
    private let body: ScalarMessage
    private let storage: PageStorage?
    /// The used length the sender put in `offset` (memory kinds; 0 otherwise).
    public let offset: Int
    /// The page-rounded length the sender put in `valid` (memory kinds; 0 otherwise).
    public let valid: Int
    private let process: XousProcess
    /// For MutableBorrow: what the server wants returned as offset/valid.
    private var returnedOffset: Int
    private var returnedValid: Int
    /// False once the obligation was discharged some other way (forwarded).
    private var ownsReply = true

    init(_ received: Delivery, process: XousProcess) {
        sender = received.sender
        id = received.scalar.id
        kind = received.kind
        body = received.scalar
        storage = received.storage
        offset = received.offset
        valid = received.valid
        self.process = process
        returnedOffset = received.offset
        returnedValid = received.valid
    }

    /// True when the sender is parked until this message is answered.
    public var isBlocking: Bool { kind.isBlocking }

    /// The scalar body, for Scalar and BlockingScalar; nil for memory messages.
    public var scalar: ScalarMessage? { kind.hasMemory ? nil : body }

    /// Reads the pages of a memory message; nil for scalars.
    public func withMemory<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R? {
        guard let storage else { return nil }
        return try body(storage.bytes)
    }

    /// Decodes the archive in the used part of a memory message (Xous's
    /// `Buffer::from_memory_message` then `to_original`): `offset` is its length and the root
    /// sits at `offset - size`. A scalar, an `offset` beyond the pages, or bytes that do not
    /// decode are refused; nothing the sender put there can make this trap.
    public func decode<T: Archivable>(_ type: T.Type = T.self) throws(EnvelopeDecodingError) -> T {
        guard let storage else { throw .notMemory(kind) }
        guard offset >= 0, offset <= storage.count else {
            throw .offsetOutOfRange(offset: offset, capacity: storage.count)
        }
        do {
            return try T.decode(UnsafeRawBufferPointer(rebasing: storage.bytes[0..<offset]))
        } catch {
            throw .wire(error)
        }
    }

    /// Writes into the lender's pages of a MutableBorrow and sets the offset and valid it gets
    /// back (Xous's `from_memory_message_mut` + `replace`). Nil for any other kind: a Borrow is
    /// read-only and a Move has no lender.
    public mutating func withMutableMemory<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer, inout Int, inout Int) throws(E) -> R
    ) throws(E) -> R? {
        guard kind == .mutableBorrow, let storage else { return nil }
        return try body(storage.mutableBytes, &returnedOffset, &returnedValid)
    }

    /// Archives `value` into a MutableBorrow's pages from byte 0 and returns its length as the
    /// new offset, leaving `valid` as the lender sent it (Xous's `Buffer::replace`).
    public mutating func reply(encoding value: some Archivable) throws(EnvelopeDecodingError) {
        guard kind == .mutableBorrow, let storage else { throw .notMemory(kind) }
        let bytes = value.encoded()
        guard bytes.count <= storage.count else {
            throw .wire(.doesNotFit(needed: bytes.count, capacity: storage.count))
        }
        bytes.withUnsafeBytes { storage.mutableBytes.copyMemory(from: $0) }
        returnedOffset = bytes.count
    }

    /// Sends this message on to another server with a new opcode (Xous's `Envelope::forward`),
    /// keeping its kind: a Scalar or a Move is handed on; a BlockingScalar waits for the other
    /// server's answer and relays it to the original sender when it is a `Scalar1` or `Scalar2`
    /// (anything else, a `Scalar5` included, is `MemoryInUse`, as in Xous); a Borrow or
    /// MutableBorrow is lent on and, once the other server returns it, goes back to its lender
    /// when this envelope drops, with the offset and valid the lender sent (Xous drops the
    /// envelope as it came; the other server's offset and valid are not relayed).
    ///
    /// On failure the envelope is untouched and still yours to answer or drop.
    public mutating func forward(to cid: CID, id newID: MessageID) throws(XousError) {
        var scalar = body
        scalar.id = newID
        let result = try process.port.send(
            cid, kind: kind, scalar: scalar, storage: storage, offset: offset, valid: valid, waitForSlot: true)
        switch (kind, result) {
        case (.blockingScalar, .scalar1), (.blockingScalar, .scalar2):
            try process.port.reply(to: sender, with: result, storage: nil)
            ownsReply = false
        case (.blockingScalar, _):
            throw .memoryInUse
        case (.scalar, _), (.move, _):
            ownsReply = false
        case (.borrow, _), (.mutableBorrow, _):
            break  // returned, with this envelope's offset and valid, when it drops
        }
    }

    /// Answers a message the server refuses, so its sender is not left parked: a BlockingScalar
    /// gets 0 (the convention this project's servers use for "not done"); a Borrow or
    /// MutableBorrow goes back when the envelope drops; Scalar and Move need nothing.
    ///
    /// Beyond Xous, whose servers leave such senders blocked: an unanswered BlockingScalar pins
    /// a queue slot, and a pinned slot makes `destroyServer` fail with ServerQueueFull.
    public func refuse() {
        guard kind == .blockingScalar, ownsReply else { return }
        try? process.port.reply(to: sender, with: .scalar1(0), storage: nil)
    }

    deinit {
        guard ownsReply else { return }
        switch kind {
        case .borrow, .mutableBorrow:
            // The lender gets its memory back; the server may already be gone (process torn down).
            try? process.port.reply(
                to: sender, with: .memoryReturned(offset: returnedOffset, valid: returnedValid), storage: storage)
        case .move, .scalar, .blockingScalar:
            break
        }
    }
}

/// Why a memory message could not be read as the expected value.
public enum EnvelopeDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message carries no memory.
    case notMemory(MessageKind)
    /// The sender's `offset` (used length) points past its pages.
    case offsetOutOfRange(offset: Int, capacity: Int)
    /// The used bytes are not a valid value.
    case wire(WireError)

    /// The Xous error a server would answer with.
    public var xousError: XousError {
        switch self {
        case .notMemory: .invalidCoding
        case .offsetOutOfRange: .badAddress
        case .wire: .serializationError
        }
    }

    public var description: String {
        switch self {
        case .notMemory(let kind): "expected a memory message, got \(kind)"
        case let .offsetOutOfRange(offset, capacity): "offset \(offset) beyond the \(capacity)-byte buffer"
        case .wire(let error): "malformed buffer: \(error)"
        }
    }
}
