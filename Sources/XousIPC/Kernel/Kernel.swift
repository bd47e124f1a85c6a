#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel model: the server table, the processes and their connection tables, and every
/// rule by which messages move between them.
///
/// One lock guards all kernel state, as Xous's kernel runs one syscall at a time; threads that
/// must wait (for a message, a reply, a free queue slot or a server to appear) park on a
/// condition of their own under that lock and use no CPU until woken (after a look of at most
/// `spinNanoseconds` for a message or a reply, see `BriefSpin`).
///
/// A kernel boots with a name server (its own process and thread, like Xous's `xous-names`).
/// Call `shutdown()` when done with it to stop that thread.
public final class Kernel: @unchecked Sendable {
    /// Servers the kernel can hold at once (`MAX_SERVER_COUNT`).
    public static let maxServers = 128
    /// Queue slots per server: one page of 64-byte `QueuedMessage`s on a 64-bit host.
    public static let queueSlots = 64
    /// Connection slots per process (`connection_map: [Option<NonZeroU8>; 32]`).
    public static let maxConnections = 32
    /// The first valid CID; 0 and 1 are never handed out.
    public static let firstCID: CID = 2
    /// Processes the kernel can hold at once (`MAX_PROCESS_COUNT` on hardware targets).
    public static let maxProcesses = 64
    /// How long a thread about to park for a message or a reply first looks for it (see
    /// `BriefSpin`); `XOUS_SPIN_NS` overrides it, 0 turns looking off.
    static let spinNanoseconds: UInt64 = {
        if let text = getenv("XOUS_SPIN_NS").map({ String(cString: $0) }), let value = UInt64(text) { return value }
        return 50_000
    }()

    let lock = ConditionLock()
    var servers: [ServerRecord?] = Array(repeating: nil, count: Kernel.maxServers)
    var serversBySID: [SID: ServerRecord] = [:]
    var processes: [PID: ProcessRecord] = [:]
    private var generation: UInt64 = 0
    private var nameServer: NameServer?

    /// Boots a kernel with its name server running.
    public init() {
        do {
            nameServer = try NameServer.boot(in: self)
        } catch {
            preconditionFailure("the name server could not start on a fresh kernel: \(error)")
        }
    }

    /// Stops the name server and waits for its thread. Idempotent.
    public func shutdown() {
        let server = lock.withLock { () -> NameServer? in
            defer { nameServer = nil }
            return nameServer
        }
        server?.stop()
    }

    // MARK: Processes

    /// Creates a process with an empty connection table.
    /// - Throws: `OutOfMemory` when `maxProcesses` are alive.
    public func createProcess(name: String) throws(XousError) -> XousProcess {
        let pid: PID = try lock.withLock { () throws(XousError) -> PID in
            // PID 1 is the kernel's own, as on Xous.
            guard let free = (2...Kernel.maxProcesses + 1).first(where: { processes[PID($0)] == nil }) else {
                throw .outOfMemory
            }
            let pid = PID(free)
            processes[pid] = ProcessRecord(pid: pid, name: name)
            return pid
        }
        return XousProcess(kernel: self, pid: pid, name: name)
    }

    /// Servers alive in the kernel, the name server's included.
    public var serverCount: Int { lock.withLock { serversBySID.count } }

    /// Processes alive in the kernel, the name server's included.
    public var processCount: Int { lock.withLock { processes.values.filter { !$0.terminated }.count } }

    // MARK: Servers

    func createServer(owner pid: PID, sid requested: SID?) throws(XousError) -> (SID, CID) {
        try lock.withLock { () throws(XousError) -> (SID, CID) in
            guard let process = processes[pid], !process.terminated else { throw .processNotFound }
            // Xous answers a full server table with ServerNotFound (sic); the model keeps the number.
            guard let index = servers.firstIndex(where: { $0 == nil }) else { throw .serverNotFound }
            guard let slot = process.connections.firstIndex(where: { $0 == nil }) else { throw .outOfMemory }
            var sid = requested ?? SID.random()
            if requested == nil {
                while serversBySID[sid] != nil { sid = SID.random() }
            } else if serversBySID[sid] != nil {
                throw .serverExists
            }
            let server = ServerRecord(sid: sid, index: index, owner: pid)
            servers[index] = server
            serversBySID[sid] = server
            // create_server connects its creator (the kernel returns NewServerID(sid, cid)).
            process.connections[slot] = server
            lock.broadcast()  // connects parked on a missing server look again
            return (sid, CID(slot) + Kernel.firstCID)
        }
    }

    func destroyServer(owner pid: PID, sid: SID) throws(XousError) {
        try lock.withLock { () throws(XousError) in
            guard let server = serversBySID[sid], server.owner == pid else { throw .serverNotFound }
            guard server.awaitingReplies == 0 else { throw .serverQueueFull }
            tearDown(server, abandonWith: .serverNotFound)
        }
    }

    /// Removes a server: queued scalars and moves are dropped, parked senders of blocking
    /// messages are woken with `error`, and every connection to it is cleared. Lock held.
    private func tearDown(_ server: ServerRecord, abandonWith error: XousError) {
        server.destroyed = true
        for slot in 0..<server.slots.count {
            switch server.slots[slot] {
            case .queued(let message), .awaitingReply(let message):
                if message.kind.isBlocking { message.answer(.failure(error)) }
            case .empty:
                break
            }
            server.slots[slot] = .empty
        }
        _ = server.arrivals.removeAll()
        server.awaitingReplies = 0
        servers[server.index] = nil
        serversBySID[server.sid] = nil
        for process in processes.values {
            for slot in process.connections.indices where process.connections[slot] === server {
                process.connections[slot] = nil
            }
        }
        server.slotFreed.broadcast()
        server.arrivalsChanged.bump()
        server.messageArrived.broadcast()
    }

    // MARK: Connections

    func connect(from pid: PID, to sid: SID, blocking: Bool) throws(XousError) -> CID {
        try lock.withLock { () throws(XousError) -> CID in
            while true {
                guard let process = processes[pid], !process.terminated else { throw .processNotFound }
                if let server = serversBySID[sid] {
                    if let existing = process.connections.firstIndex(where: { $0 === server }) {
                        return CID(existing) + Kernel.firstCID
                    }
                    guard let slot = process.connections.firstIndex(where: { $0 == nil }) else { throw .outOfMemory }
                    process.connections[slot] = server
                    return CID(slot) + Kernel.firstCID
                }
                // connect() blocks until the server exists; try_connect() fails at once.
                guard blocking else { throw .serverNotFound }
                lock.wait()
            }
        }
    }

    func disconnect(from pid: PID, cid: CID) throws(XousError) {
        try lock.withLock { () throws(XousError) in
            guard let process = processes[pid], process.server(for: cid) != nil else { throw .serverNotFound }
            process.connections[Int(cid - Kernel.firstCID)] = nil
        }
    }

    func connectionCount(of pid: PID) -> Int {
        lock.withLock { processes[pid]?.usedConnections ?? 0 }
    }

    // MARK: Messages

    /// Queues a message and, for blocking kinds, parks until it is answered.
    func send(
        from pid: PID, to cid: CID, kind: MessageKind, scalar: ScalarMessage,
        storage: PageStorage? = nil, offset: Int = 0, valid: Int = 0, waitForSlot: Bool
    ) throws(XousError) -> XousResult {
        lock.lock()
        // Receivers are woken after the lock is released: woken while it is held, a receiver
        // on another CPU would block on it at once and need a second wake-up (seen as about
        // two context switches per hop when every update finds the path parked).
        var wakeAfterUnlock: ParkingCondition?
        defer {
            lock.unlock()
            wakeAfterUnlock?.signal()
        }
        guard let process = processes[pid], !process.terminated else { throw .processNotFound }
        guard let server = process.server(for: cid) else { throw .serverNotFound }
        var slot = server.freeSlots.popLast()
        while slot == nil {
            // send_message waits for room (Xous's kernel retries); try_send_message does not.
            guard waitForSlot else { throw .serverQueueFull }
            lock.wait(on: server.slotFreed)
            // The connection may have been cut, or the server destroyed, while parked.
            guard !process.terminated, process.server(for: cid) === server, !server.destroyed else {
                throw .serverNotFound
            }
            slot = server.freeSlots.popLast()
        }
        generation &+= 1
        let message = PendingMessage(
            kind: kind, id: scalar.id, senderPID: pid, scalar: scalar,
            storage: storage, offset: offset, valid: valid, generation: generation)
        server.slots[slot!] = .queued(message)
        server.arrivals.append(slot!)
        server.arrivalsChanged.bump()
        guard let replied = message.replied, let answered = message.answered else {
            wakeAfterUnlock = server.messageArrived
            return .ok
        }
        if message.reply == nil {
            if server.replySpin.shouldSpin {
                lock.unlock()
                server.messageArrived.signal()
                let found = BriefSpin.until { answered.current != 0 }
                lock.lock()
                server.replySpin.spun(found: found)
            } else {
                // Parking releases the lock at once, so the receiver is woken before it.
                server.messageArrived.signal()
                let parkedAt = MonotonicInstant.now
                while message.reply == nil { lock.wait(on: replied) }
                server.replySpin.parked(for: MonotonicInstant.now.nanoseconds(since: parkedAt))
            }
        }
        while message.reply == nil { lock.wait(on: replied) }
        return try message.reply!.get()
    }

    /// Takes the oldest message from a server the caller owns; parks while the queue is empty.
    func receive(by pid: PID, from sid: SID, blocking: Bool) throws(XousError) -> ReceivedMessage? {
        lock.lock()
        // A sender parked on the full queue is woken after the lock is released (see `send`).
        var wakeAfterUnlock: ParkingCondition?
        defer {
            lock.unlock()
            wakeAfterUnlock?.signal()
        }
        // Only the owning process may receive (`sidx_from_sid` checks the PID).
        guard let server = serversBySID[sid], server.owner == pid else { throw .serverNotFound }
        var looked = false
        var parkedAt: MonotonicInstant?
        while server.arrivals.isEmpty {
            guard blocking else { return nil }
            if !looked && server.receiveSpin.shouldSpin {
                looked = true
                let seen = server.arrivalsChanged.current
                lock.unlock()
                let found = BriefSpin.until { server.arrivalsChanged.current != seen }
                lock.lock()
                server.receiveSpin.spun(found: found)
            } else {
                if !looked && parkedAt == nil { parkedAt = MonotonicInstant.now }
                lock.wait(on: server.messageArrived)
            }
            if server.destroyed { throw .serverNotFound }
        }
        if let parkedAt { server.receiveSpin.parked(for: MonotonicInstant.now.nanoseconds(since: parkedAt)) }
        let slot = server.arrivals.removeFirst()
        guard case .queued(let message) = server.slots[slot] else {
            preconditionFailure("kernel queue out of step: arrival for an empty slot")
        }
        if message.kind.isBlocking {
            server.slots[slot] = .awaitingReply(message)
            server.awaitingReplies += 1
        } else {
            wakeAfterUnlock = server.release(slot: slot, eager: false)
        }
        let sender = MessageSender(
            pid: message.senderPID, serverIndex: server.index, slot: slot, generation: message.generation)
        return ReceivedMessage(sender: sender, message: message)
    }

    /// Answers a blocking message. Answering twice, answering a non-blocking message or
    /// answering with the wrong kind of reply is `DoubleFree`, as on Xous.
    func reply(by pid: PID, to sender: MessageSender, with result: XousResult) throws(XousError) {
        // The sender, and a sender waiting for the freed slot, are woken after the lock is
        // released (see `send`).
        let (freed, replied) = try lock.withLock { () throws(XousError) -> (ParkingCondition?, ParkingCondition?) in
            guard let server = servers[sender.serverIndex], server.owner == pid else { throw .serverNotFound }
            guard sender.slot < server.slots.count,
                  case .awaitingReply(let message) = server.slots[sender.slot],
                  message.generation == sender.generation
            else { throw .doubleFree }
            switch (message.kind, result) {
            case (.blockingScalar, .scalar1), (.blockingScalar, .scalar2), (.blockingScalar, .scalar5),
                 (.borrow, .memoryReturned), (.mutableBorrow, .memoryReturned):
                break
            default:
                throw .doubleFree
            }
            server.awaitingReplies -= 1
            // A reply frees a slot that no receive will free later: wake a parked sender now.
            let freed = server.release(slot: sender.slot, eager: true)
            return (freed, message.answerLater(.success(result)))
        }
        replied?.signal()
        freed?.signal()
    }

    // MARK: Privileged calls for the name server

    /// `connect_for_process`: makes a connection inside another process without telling it the SID.
    func connect(forProcess pid: PID, to sid: SID) throws(XousError) -> CID {
        try connect(from: pid, to: sid, blocking: false)
    }

    func processName(_ pid: PID) -> String? { lock.withLock { processes[pid]?.name } }
}

/// A message taken off a queue, before it is wrapped in an envelope.
struct ReceivedMessage: @unchecked Sendable {
    let sender: MessageSender
    let message: PendingMessage
}
