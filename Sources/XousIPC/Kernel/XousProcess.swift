public import SystemSupport
/// A process of the model: the caller identity for every kernel call, with its own table of
/// 32 connections.
///
/// The methods are Xous's syscalls made as this process (`create_server`, `connect`,
/// `send_message`, `receive_message`, `return_scalar`, …). Any thread may call them; a call
/// that blocks parks only the calling thread.
public final class XousProcess: @unchecked Sendable, CustomStringConvertible {
    /// Where the syscalls go: the embedded kernel, or a hosted kernel over TCP.
    let port: any KernelPort
    /// This process's ID.
    public let pid: PID
    /// The name it was created with, for logs.
    public var name: String { port.name }

    init(port: any KernelPort) {
        self.port = port
        pid = port.pid
    }

    /// True when the syscalls go to a hosted-mode kernel over TCP.
    public var isHosted: Bool { !(port is EmbeddedPort) }

    public var description: String { "XousProcess(\(name), pid: \(pid))" }

    // MARK: Lifetime

    /// Ends this process as Xous's kernel does when a process exits (see `Kernel.terminate`):
    /// its servers are destroyed, other processes' connections to them become tombstones, every
    /// sender waiting on them wakes with `ServerNotFound`, its own threads parked in the kernel
    /// wake with `ProcessTerminated`, and every later call made as this process fails that way.
    /// Idempotent.
    public func terminate() { port.terminate() }

    /// Parks the calling thread until the process has ended: terminated, or (hosted) its
    /// connection to the kernel gone. A hosted-mode daemon's main thread waits here.
    public func waitUntilTerminated() { port.waitUntilTerminated() }

    /// True once the process was terminated.
    public var isTerminated: Bool { port.isTerminated }

    // MARK: Servers

    /// Creates a server with a fresh random SID and connects this process to it (the kernel's
    /// `NewServerID(sid, cid)`; a later `connect` to the SID returns the same CID).
    /// - Throws: `ServerNotFound` when the kernel already holds `Kernel.maxServers` servers
    ///   (Xous's number, sic); `OutOfMemory` when this process has no free connection slot.
    public func createServer() throws(XousError) -> SID {
        try port.createServer(sid: nil).0
    }

    /// Creates a server with a SID chosen by the caller (`create_server_with_address`), as the
    /// well-known servers do. `ServerExists` if that SID is taken.
    public func createServer(sid: SID) throws(XousError) -> SID {
        try port.createServer(sid: sid).0
    }

    /// Destroys a server this process owns.
    ///
    /// Fails with `ServerQueueFull` while a received blocking message is unanswered. Otherwise
    /// drops queued scalars and moves, wakes parked senders of queued blocking messages and
    /// senders waiting for queue room with `ServerNotFound`, wakes this server's receivers with
    /// `ServerNotFound`, and clears every process's connections to it.
    /// - Throws: `ServerNotFound` if the server does not exist or belongs to another process.
    public func destroyServer(_ sid: SID) throws(XousError) {
        try port.destroyServer(sid)
    }

    // MARK: Connections

    /// Connects to a server, blocking until it exists. Connecting again to the same SID returns
    /// the same CID (so `disconnect` must be reference-counted by the caller, as on Xous).
    /// - Throws: `OutOfMemory` when all 32 connection slots are in use and the server is not
    ///   already connected, whether or not it exists (Xous checks the table first).
    public func connect(_ sid: SID) throws(XousError) -> CID {
        try port.connect(sid, blocking: true)
    }

    /// Connects to a server that must exist now; `ServerNotFound` otherwise.
    public func tryConnect(_ sid: SID) throws(XousError) -> CID {
        try port.connect(sid, blocking: false)
    }

    /// Frees a connection slot, a tombstone's too; the CID may be handed out again by a later
    /// `connect`.
    /// - Throws: `ServerNotFound` if `cid` is not a connection (live or tombstone) of this process.
    public func disconnect(_ cid: CID) throws(XousError) {
        try port.disconnect(cid)
    }

    /// Makes a connection to `sid` in another process's table and returns that process's CID
    /// (`connect_for_process`, how xous-names brokers a connection without revealing the SID).
    /// A server that does not exist yet is waited for until `deadline`, nil meaning not at all.
    /// - Throws: `ProcessNotFound` if `pid` is not a live process; `ServerNotFound` if the
    ///   server is missing at the deadline; `OutOfMemory` if that process's table is full.
    public func connect(forProcess pid: PID, to sid: SID, waitUntil deadline: MonotonicInstant?) throws(XousError) -> CID {
        try port.connect(forProcess: pid, to: sid, deadline: deadline)
    }

    /// Connection slots in use (of `Kernel.maxConnections`), tombstones included.
    public var connectionCount: Int { port.connectionCount }

    // MARK: Sending

    /// Sends a Scalar (returns `.ok` once queued) or a BlockingScalar (returns the server's
    /// `Scalar1`/`Scalar2`/`Scalar5` answer). Blocks while the server's queue is full.
    /// - Throws: `ServerNotFound` if `cid` is not connected or the server goes away first.
    @discardableResult
    public func send(_ cid: CID, _ message: Message) throws(XousError) -> XousResult {
        try port.send(cid, kind: message.kind, scalar: message.scalar, storage: nil, offset: 0, valid: 0, waitForSlot: true)
    }

    /// As `send`, but a full queue fails at once with `ServerQueueFull`. A blocking message
    /// that was queued still waits for its answer.
    @discardableResult
    public func trySend(_ cid: CID, _ message: Message) throws(XousError) -> XousResult {
        try port.send(cid, kind: message.kind, scalar: message.scalar, storage: nil, offset: 0, valid: 0, waitForSlot: false)
    }

    /// Moves `buffer`'s pages to the server (`Buffer::send`): the buffer is consumed whether or
    /// not the send succeeds. Blocks while the queue is full.
    public func move(_ cid: CID, id: MessageID, _ buffer: consuming Buffer) throws(XousError) {
        try sendMemory(cid, id: id, kind: .move, buffer: buffer, waitForSlot: true)
    }

    /// As `move`, but a full queue fails at once with `ServerQueueFull`.
    public func tryMove(_ cid: CID, id: MessageID, _ buffer: consuming Buffer) throws(XousError) {
        try sendMemory(cid, id: id, kind: .move, buffer: buffer, waitForSlot: false)
    }

    /// Lends `buffer` read-only (`Buffer::lend`, a Borrow) and blocks until the server drops
    /// the envelope. Returns the offset and valid the server left.
    @discardableResult
    public func lend(_ cid: CID, id: MessageID, _ buffer: borrowing Buffer) throws(XousError) -> XousResult {
        try sendMemory(cid, id: id, kind: .borrow, buffer: buffer, waitForSlot: true)
    }

    /// Lends `buffer` for the server to change (`Buffer::lend_mut`, a MutableBorrow with offset
    /// `used` and valid the page length); blocks until returned, then sets `buffer.used` from
    /// the returned offset, as `lend_mut` does.
    @discardableResult
    public func lendMutable(_ cid: CID, id: MessageID, _ buffer: inout Buffer) throws(XousError) -> XousResult {
        let result = try sendMemory(cid, id: id, kind: .mutableBorrow, buffer: buffer, waitForSlot: true)
        if case .memoryReturned(let offset, _) = result {
            // The server chose this number; one outside the pages must not become `used`.
            guard offset >= 0, offset <= buffer.capacity else { throw .badAddress }
            buffer.used = offset
        }
        return result
    }

    /// Lends `buffer`'s pages for the server to change with the `offset` and `valid` the caller
    /// chooses, for the few messages that are not an archive (xous-names' BlockingConnect puts
    /// the name length in `valid`). `buffer.used` is left alone; the returned offset and valid
    /// are the server's.
    @discardableResult
    public func lendMutable(
        _ cid: CID, id: MessageID, _ buffer: inout Buffer, offset: Int, valid: Int
    ) throws(XousError) -> XousResult {
        try port.send(
            cid, kind: .mutableBorrow, scalar: ScalarMessage(id: id),
            storage: buffer.storage, offset: offset, valid: valid, waitForSlot: true)
    }

    @discardableResult
    private func sendMemory(
        _ cid: CID, id: MessageID, kind: MessageKind, buffer: borrowing Buffer, waitForSlot: Bool
    ) throws(XousError) -> XousResult {
        try port.send(
            cid, kind: kind, scalar: ScalarMessage(id: id),
            storage: buffer.storage, offset: buffer.used, valid: buffer.capacity, waitForSlot: waitForSlot)
    }

    // MARK: Receiving and answering

    /// Takes the oldest message from a server this process owns, parking the calling thread
    /// (no CPU) while the queue is empty.
    /// - Throws: `ServerNotFound` if the server does not exist, is another process's, or is
    ///   destroyed while this thread waits.
    public func receive(_ sid: SID) throws(XousError) -> MessageEnvelope {
        guard let received = try port.receive(sid, blocking: true) else {
            preconditionFailure("a blocking receive returned without a message")
        }
        return MessageEnvelope(received, process: self)
    }

    /// As `receive`, but gives up at `deadline` and returns nil. Not a Xous call: it stands in
    /// for an interrupt handler run in the process (a timer's, here) and exists in the embedded
    /// kernel only; hosted, it fails with `UnhandledSyscall`.
    public func receive(_ sid: SID, until deadline: MonotonicInstant) throws(XousError) -> MessageEnvelope? {
        guard let received = try port.receive(sid, until: deadline) else { return nil }
        return MessageEnvelope(received, process: self)
    }

    /// As `receive`, but returns nil at once when the queue is empty.
    public func tryReceive(_ sid: SID) throws(XousError) -> MessageEnvelope? {
        guard let received = try port.receive(sid, blocking: false) else { return nil }
        return MessageEnvelope(received, process: self)
    }

    /// Answers a BlockingScalar with one word (`return_scalar`).
    /// - Throws: `DoubleFree` if the message was already answered or is not a BlockingScalar;
    ///   `ServerNotFound` if this process does not own the server the message came to.
    public func returnScalar(_ sender: MessageSender, _ value: UInt) throws(XousError) {
        try port.reply(to: sender, with: .scalar1(value), storage: nil)
    }

    /// Answers a BlockingScalar with two words (`return_scalar2`).
    public func returnScalar2(_ sender: MessageSender, _ first: UInt, _ second: UInt) throws(XousError) {
        try port.reply(to: sender, with: .scalar2(first, second), storage: nil)
    }

    /// Answers a BlockingScalar with five words (`return_scalar5`).
    public func returnScalar5(
        _ sender: MessageSender, _ a: UInt, _ b: UInt, _ c: UInt, _ d: UInt, _ e: UInt
    ) throws(XousError) {
        try port.reply(to: sender, with: .scalar5(a, b, c, d, e), storage: nil)
    }
}

/// A scalar message to send: the two kinds that carry no memory. Memory kinds are sent from a
/// `Buffer` with `move`, `lend` and `lendMutable`, which enforce who owns the pages.
public enum Message: Hashable, Sendable {
    /// Fire and forget.
    case scalar(ScalarMessage)
    /// The sender blocks until the server calls `returnScalar`.
    case blockingScalar(ScalarMessage)

    var kind: MessageKind {
        switch self {
        case .scalar: .scalar
        case .blockingScalar: .blockingScalar
        }
    }

    var scalar: ScalarMessage {
        switch self {
        case .scalar(let message), .blockingScalar(let message): message
        }
    }
}
