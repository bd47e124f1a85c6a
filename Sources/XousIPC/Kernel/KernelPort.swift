import SystemSupport
/// Where a process's syscalls go: the embedded kernel model in this OS process, or a hosted
/// kernel over TCP. `XousProcess` and `MessageEnvelope` speak only to this, so servers and
/// clients are the same code under either transport.
protocol KernelPort: AnyObject, Sendable {
    var pid: PID { get }
    var name: String { get }
    var isTerminated: Bool { get }
    var connectionCount: Int { get }
    func terminate()
    /// Returns once the process has ended (terminated, or its kernel gone).
    func waitUntilTerminated()
    func createServer(sid: SID?) throws(XousError) -> (SID, CID)
    func destroyServer(_ sid: SID) throws(XousError)
    func connect(_ sid: SID, blocking: Bool) throws(XousError) -> CID
    func disconnect(_ cid: CID) throws(XousError)
    func connect(forProcess pid: PID, to sid: SID, deadline: MonotonicInstant?) throws(XousError) -> CID
    /// Sends any kind; memory kinds carry `storage`, whose bytes a returned lend overwrites.
    func send(
        _ cid: CID, kind: MessageKind, scalar: ScalarMessage,
        storage: PageStorage?, offset: Int, valid: Int, waitForSlot: Bool
    ) throws(XousError) -> XousResult
    func receive(_ sid: SID, blocking: Bool) throws(XousError) -> Delivery?
    /// A blocking receive that gives up at `deadline` (nil then). Xous has no such call: only
    /// the embedded kernel answers it, hosted mode fails with `UnhandledSyscall`.
    func receive(_ sid: SID, until deadline: MonotonicInstant) throws(XousError) -> Delivery?
    /// Answers a blocking message; a lend's answer hands back `storage`'s bytes.
    func reply(to sender: MessageSender, with result: XousResult, storage: PageStorage?) throws(XousError)
}

/// A received message as the port hands it over, before it becomes an envelope.
struct Delivery: @unchecked Sendable {
    let sender: MessageSender
    let kind: MessageKind
    let scalar: ScalarMessage
    /// The pages of a memory message: the lender's own in the embedded kernel, a copy that
    /// came over the socket in hosted mode.
    let storage: PageStorage?
    let offset: Int
    let valid: Int
}

extension Delivery {
    /// A message the kernel took off a queue.
    init(_ received: ReceivedMessage) {
        let message = received.message
        self.init(
            sender: received.sender, kind: message.kind, scalar: message.scalar,
            storage: message.storage, offset: message.offset, valid: message.valid)
    }
}

/// The embedded transport: calls go straight into a `Kernel` in this OS process.
final class EmbeddedPort: KernelPort, @unchecked Sendable {
    let kernel: Kernel
    let record: ProcessRecord

    init(kernel: Kernel, record: ProcessRecord) {
        self.kernel = kernel
        self.record = record
    }

    var pid: PID { record.pid }
    var name: String { record.name }
    var isTerminated: Bool { kernel.lock.withLock { record.terminated } }
    var connectionCount: Int { kernel.connectionCount(of: record) }
    func terminate() { kernel.terminate(record) }

    func waitUntilTerminated() {
        // `terminate` broadcasts on the kernel lock.
        kernel.lock.withLock { while !record.terminated { kernel.lock.wait() } }
    }

    func createServer(sid: SID?) throws(XousError) -> (SID, CID) {
        try kernel.createServer(owner: record, sid: sid)
    }

    func destroyServer(_ sid: SID) throws(XousError) { try kernel.destroyServer(owner: record, sid: sid) }

    func connect(_ sid: SID, blocking: Bool) throws(XousError) -> CID {
        try kernel.connect(from: record, to: sid, blocking: blocking)
    }

    func disconnect(_ cid: CID) throws(XousError) { try kernel.disconnect(from: record, cid: cid) }

    func connect(forProcess pid: PID, to sid: SID, deadline: MonotonicInstant?) throws(XousError) -> CID {
        guard !isTerminated else { throw .processTerminated }
        return try kernel.connect(forProcess: pid, to: sid, deadline: deadline)
    }

    func send(
        _ cid: CID, kind: MessageKind, scalar: ScalarMessage,
        storage: PageStorage?, offset: Int, valid: Int, waitForSlot: Bool
    ) throws(XousError) -> XousResult {
        try kernel.send(
            from: record, to: cid, kind: kind, scalar: scalar,
            storage: storage, offset: offset, valid: valid, waitForSlot: waitForSlot)
    }

    func receive(_ sid: SID, blocking: Bool) throws(XousError) -> Delivery? {
        guard let received = try kernel.receive(by: record, from: sid, blocking: blocking) else { return nil }
        return Delivery(received)
    }

    func receive(_ sid: SID, until deadline: MonotonicInstant) throws(XousError) -> Delivery? {
        guard let received = try kernel.receive(by: record, from: sid, blocking: true, until: deadline) else { return nil }
        return Delivery(received)
    }

    func reply(to sender: MessageSender, with result: XousResult, storage: PageStorage?) throws(XousError) {
        // The server wrote into the lender's own pages: nothing to copy back.
        try kernel.reply(by: record, to: sender, with: result)
    }
}
