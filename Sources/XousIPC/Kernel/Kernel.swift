#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemSupport

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
    /// Process slots, PID 1 (the kernel's own) included: hosted mode's `MAX_PROCESS_COUNT`
    /// (`kernel/src/arch/hosted/process.rs`), so at most 31 processes besides the kernel.
    public static let maxProcesses = 32
    /// How long a thread about to park for a message or a reply first looks for it (see
    /// `BriefSpin`); `XOUS_SPIN_NS` overrides it, 0 turns looking off.
    static let spinNanoseconds: UInt64 = {
        if let text = getenv("XOUS_SPIN_NS").map({ String(cString: $0) }), let value = UInt64(text) { return value }
        return 50_000
    }()

    let lock = ConditionLock()
    var servers: [ServerRecord?] = Array(repeating: nil, count: Kernel.maxServers)
    var serversBySID: [SID: ServerRecord] = [:]
    /// Live processes only: a terminated process's PID is free for the next `createProcess`.
    var processes: [PID: ProcessRecord] = [:]
    private var generation: UInt64 = 0
    private var nameServer: NameServer?

    /// Boots a kernel with its name server running.
    public convenience init() { self.init(bootingNameServer: true) }

    /// Boots a kernel, with its own name server or (for a hosted-mode kernel, whose name server
    /// is a process like any other) without.
    public init(bootingNameServer: Bool) {
        guard bootingNameServer else { return }
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

    /// Creates a process with an empty connection table, with the lowest free PID.
    /// - Throws: `OutOfMemory` when `maxProcesses` slots are in use.
    public func createProcess(name: String) throws(XousError) -> XousProcess {
        let record = try lock.withLock { () throws(XousError) -> ProcessRecord in
            // PID 1 is the kernel's own, as on Xous.
            guard let free = (2...Kernel.maxProcesses).first(where: { processes[PID($0)] == nil }) else {
                throw .outOfMemory
            }
            let record = ProcessRecord(pid: PID(free), name: name)
            processes[record.pid] = record
            return record
        }
        return XousProcess(port: EmbeddedPort(kernel: self, record: record))
    }

    /// Servers alive in the kernel, the name server's included.
    public var serverCount: Int { lock.withLock { serversBySID.count } }

    /// Processes alive in the kernel, the name server's included.
    public var processCount: Int { lock.withLock { processes.count } }

    /// Ends a process, as Xous's kernel does when a process exits (`TerminateProcess`, or in
    /// hosted mode its socket closing). Idempotent.
    ///
    /// - Its servers are destroyed. Every other process's connections to them become
    ///   tombstones: sends on them fail with `ServerNotFound` and the slot is not handed out
    ///   again until its owner disconnects it, so a CID never silently reaches a newer server.
    /// - Every message queued in or being served by those servers that has a parked sender is
    ///   answered `ServerNotFound` (a lend gets its memory back); queued scalars and moves are
    ///   dropped. Xous's hosted kernel answers none of them and leaves those senders parked
    ///   forever; answering is what lets a client notice at once.
    /// - Its threads parked in the kernel wake with `ProcessTerminated`, and every later call
    ///   made as the process fails the same way; its connections are released and its PID is
    ///   free. Messages it sent that are still queued elsewhere stay there, as in Xous, and
    ///   answering one of them fails with `ProcessNotFound`.
    func terminate(_ process: ProcessRecord) {
        var wake: [SenderWake] = []
        var receives: [WaitingReceive] = []
        lock.withLock {
            guard !process.terminated else { return }
            process.terminated = true
            processes[process.pid] = nil
            for server in servers.compactMap({ $0 }) where server.owner == process.pid {
                let abandoned = tearDown(server, abandonWith: .serverNotFound, leavingTombstones: true)
                receives += abandoned.receives
                wake += abandoned.senders
            }
            for server in servers.compactMap({ $0 }) {
                for slot in server.slots {
                    switch slot {
                    case .queued(let message) where message.sender === process,
                         .awaitingReply(let message) where message.sender === process:
                        if let replied = message.abandonBySender() { wake.append(replied) }
                    case .queued, .awaitingReply, .empty:
                        break
                    }
                }
                // Its threads parked on a full queue look again and find the process gone.
                server.slotFreed.broadcast()
            }
            for slot in process.connections.indices { process.connections[slot] = nil }
            lock.broadcast()  // its threads parked in connect look again too
        }
        for sender in wake { sender.fire() }
        for receive in receives { receive.deliver(.failure(.processTerminated)) }
    }

    // MARK: Servers

    func createServer(owner process: ProcessRecord, sid requested: SID?) throws(XousError) -> (SID, CID) {
        try lock.withLock { () throws(XousError) -> (SID, CID) in
            guard !process.terminated else { throw .processTerminated }
            // Xous answers a full server table with ServerNotFound (sic); the model keeps the number.
            guard let index = servers.firstIndex(where: { $0 == nil }) else { throw .serverNotFound }
            // Xous creates the server even then and answers OutOfMemory, leaving a server its
            // creator cannot reach; the model creates nothing.
            guard let slot = process.connections.firstIndex(where: { $0 == nil }) else { throw .outOfMemory }
            var sid = requested ?? SID.random()
            if requested == nil {
                while serversBySID[sid] != nil { sid = SID.random() }
            } else if serversBySID[sid] != nil {
                // Xous does no uniqueness check and makes an unreachable duplicate.
                throw .serverExists
            }
            let server = ServerRecord(sid: sid, index: index, owner: process.pid)
            servers[index] = server
            serversBySID[sid] = server
            // create_server connects its creator (the kernel returns NewServerID(sid, cid)).
            process.connections[slot] = server
            lock.broadcast()  // connects parked on a missing server look again
            return (sid, CID(slot) + Kernel.firstCID)
        }
    }

    func destroyServer(owner process: ProcessRecord, sid: SID) throws(XousError) {
        let abandoned = try lock.withLock { () throws(XousError) -> Abandoned in
            guard !process.terminated else { throw .processTerminated }
            guard let server = serversBySID[sid], server.owner == process.pid else { throw .serverNotFound }
            guard server.awaitingReplies == 0 else { throw .serverQueueFull }
            return tearDown(server, abandonWith: .serverNotFound, leavingTombstones: false)
        }
        for sender in abandoned.senders { sender.fire() }
        for receive in abandoned.receives { receive.deliver(.failure(.serverNotFound)) }
    }

    /// Removes a server: queued scalars and moves are dropped, parked senders of blocking
    /// messages are woken with `error`, and every connection to it is cleared (`destroy_server`)
    /// or left as a tombstone (a terminated owner). Lock held.
    /// - Returns: the senders and receivers to tell once the lock is released.
    private func tearDown(
        _ server: ServerRecord, abandonWith error: XousError, leavingTombstones: Bool
    ) -> Abandoned {
        server.destroyed = true
        var senders: [SenderWake] = []
        for slot in 0..<server.slots.count {
            switch server.slots[slot] {
            case .queued(let message), .awaitingReply(let message):
                if message.kind.isBlocking { senders.append(message.answerLater(.failure(error))) }
            case .empty:
                break
            }
            server.slots[slot] = .empty
        }
        _ = server.arrivals.removeAll()
        server.awaitingReplies = 0
        servers[server.index] = nil
        serversBySID[server.sid] = nil
        if !leavingTombstones {
            for process in processes.values {
                for slot in process.connections.indices where process.connections[slot] === server {
                    process.connections[slot] = nil
                }
            }
        }
        server.slotFreed.broadcast()
        server.arrivalsChanged.bump()
        server.messageArrived.broadcast()
        defer { server.waitingReceives = [] }
        return Abandoned(senders: senders, receives: server.waitingReceives)
    }

    /// What a torn-down server leaves to tell once the lock is released.
    private struct Abandoned {
        var senders: [SenderWake]
        var receives: [WaitingReceive]
    }

    // MARK: Connections

    /// Connects `process` to `sid`. An existing connection is returned as it is; a full table
    /// is `OutOfMemory` before the server's existence is looked at (as on Xous); a missing
    /// server is waited for when `blocking` (until `deadline`, if any) and `ServerNotFound`
    /// otherwise.
    func connect(
        from process: ProcessRecord, to sid: SID, blocking: Bool, deadline: MonotonicInstant? = nil
    ) throws(XousError) -> CID {
        try lock.withLock { () throws(XousError) -> CID in
            while true {
                guard !process.terminated else { throw .processTerminated }
                let server = serversBySID[sid]
                if let server, let existing = process.connections.firstIndex(where: { $0 === server }) {
                    return CID(existing) + Kernel.firstCID
                }
                guard let slot = process.connections.firstIndex(where: { $0 == nil }) else { throw .outOfMemory }
                if let server {
                    process.connections[slot] = server
                    return CID(slot) + Kernel.firstCID
                }
                // connect() blocks until the server exists; try_connect() fails at once.
                guard blocking else { throw .serverNotFound }
                if let deadline {
                    guard lock.wait(until: deadline) || serversBySID[sid] != nil else { throw .serverNotFound }
                } else {
                    lock.wait()
                }
            }
        }
    }

    func disconnect(from process: ProcessRecord, cid: CID) throws(XousError) {
        try lock.withLock { () throws(XousError) in
            guard !process.terminated else { throw .processTerminated }
            // A tombstone disconnects like a live connection, which frees its slot.
            guard let slot = process.slotIndex(for: cid), process.connections[slot] != nil else {
                throw .serverNotFound
            }
            process.connections[slot] = nil
        }
    }

    func connectionCount(of process: ProcessRecord) -> Int {
        lock.withLock { process.usedConnections }
    }

    // MARK: Messages

    /// Queues a message and, for blocking kinds, parks until it is answered.
    func send(
        from process: ProcessRecord, to cid: CID, kind: MessageKind, scalar: ScalarMessage,
        storage: PageStorage? = nil, offset: Int = 0, valid: Int = 0, waitForSlot: Bool,
        queued: QueuedFlag? = nil, whenAnswered: (@Sendable (Result<XousResult, XousError>) -> Void)? = nil
    ) throws(XousError) -> XousResult {
        lock.lock()
        // Receivers are woken after the lock is released: woken while it is held, a receiver
        // on another CPU would block on it at once and need a second wake-up (seen as about
        // two context switches per hop when every update finds the path parked).
        var wakeAfterUnlock: ParkingCondition?
        var handOver: (WaitingReceive, ReceivedMessage)?
        defer {
            lock.unlock()
            wakeAfterUnlock?.signal()
            if let (receive, received) = handOver { receive.deliver(.success(received)) }
        }
        guard !process.terminated else { throw .processTerminated }
        // A free slot, a CID out of range and a tombstone all answer ServerNotFound.
        guard let server = process.server(for: cid) else { throw .serverNotFound }
        var slot = server.freeSlots.popLast()
        while slot == nil {
            // send_message waits for room (Xous's kernel retries); try_send_message does not.
            guard waitForSlot else { throw .serverQueueFull }
            lock.wait(on: server.slotFreed)
            // The process may have ended, the connection been cut, or the server destroyed, while parked.
            guard !process.terminated else { throw .processTerminated }
            guard process.server(for: cid) === server, !server.destroyed else { throw .serverNotFound }
            slot = server.freeSlots.popLast()
        }
        generation &+= 1
        let message = PendingMessage(
            kind: kind, id: scalar.id, sender: process, scalar: scalar,
            storage: storage, offset: offset, valid: valid, generation: generation, whenAnswered: whenAnswered)
        server.slots[slot!] = .queued(message)
        queued?.value = true
        server.arrivals.append(slot!)
        server.arrivalsChanged.bump()
        if !server.waitingReceives.isEmpty {
            // The queue was empty: this message is the one taken, and nobody parked waits for it
            // (only a sender waiting for the slot it freed).
            let receive = server.waitingReceives.removeFirst()
            let (received, freed) = takeOldest(from: server)
            handOver = (receive, received)
            wakeAfterUnlock = freed
        }
        // A message nobody waits on here: not blocking, or a hosted sender's, answered through
        // its continuation.
        guard let replied = message.replied, let answered = message.answered else {
            if handOver == nil { wakeAfterUnlock = server.messageArrived }
            return .ok
        }
        if let (receive, received) = handOver.take() {
            // The receiver must have its message before this thread waits for the answer.
            lock.unlock()
            receive.deliver(.success(received))
            lock.lock()
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
    ///
    /// With `waiting` (a hosted thread's receive) it does not park: it returns nil at once and
    /// leaves `waiting` on the server, to be handed the next message by the thread that sends it
    /// (or `ServerNotFound` when the server goes first).
    ///
    /// With `deadline`, a blocking receive gives up then and returns nil.
    func receive(
        by process: ProcessRecord, from sid: SID, blocking: Bool, leaving waiting: WaitingReceive? = nil,
        until deadline: MonotonicInstant? = nil
    ) throws(XousError) -> ReceivedMessage? {
        lock.lock()
        // A sender parked on the full queue is woken after the lock is released (see `send`).
        var wakeAfterUnlock: ParkingCondition?
        defer {
            lock.unlock()
            wakeAfterUnlock?.signal()
        }
        guard !process.terminated else { throw .processTerminated }
        // Only the owning process may receive (`sidx_from_sid` checks the PID).
        guard let server = serversBySID[sid], server.owner == process.pid else { throw .serverNotFound }
        var looked = false
        var parkedAt: MonotonicInstant?
        while server.arrivals.isEmpty {
            guard blocking else { return nil }
            if let waiting {
                server.waitingReceives.append(waiting)
                return nil
            }
            if !looked && server.receiveSpin.shouldSpin {
                looked = true
                let seen = server.arrivalsChanged.current
                lock.unlock()
                let found = BriefSpin.until { server.arrivalsChanged.current != seen }
                lock.lock()
                server.receiveSpin.spun(found: found)
            } else if let deadline {
                // A wait that ends on time says nothing of the traffic: no `parkedAt`.
                if !lock.wait(on: server.messageArrived, until: deadline) && server.arrivals.isEmpty && !server.destroyed {
                    return nil
                }
            } else {
                if !looked && parkedAt == nil { parkedAt = MonotonicInstant.now }
                lock.wait(on: server.messageArrived)
            }
            if server.destroyed { throw .serverNotFound }
        }
        if let parkedAt { server.receiveSpin.parked(for: MonotonicInstant.now.nanoseconds(since: parkedAt)) }
        let (received, freed) = takeOldest(from: server)
        wakeAfterUnlock = freed
        return received
    }

    /// Takes the oldest queued message off `server` for its receiver. Lock held, queue not empty.
    /// - Returns: the message, and the condition to signal once the lock is released when a
    ///   sender waiting for a slot is to be woken.
    private func takeOldest(from server: ServerRecord) -> (ReceivedMessage, ParkingCondition?) {
        let slot = server.arrivals.removeFirst()
        guard case .queued(let message) = server.slots[slot] else {
            preconditionFailure("kernel queue out of step: arrival for an empty slot")
        }
        var freed: ParkingCondition?
        if message.kind.isBlocking {
            server.slots[slot] = .awaitingReply(message)
            server.awaitingReplies += 1
        } else {
            freed = server.release(slot: slot, eager: false)
        }
        let sender = MessageSender(
            pid: message.sender.pid, serverIndex: server.index, slot: slot, generation: message.generation)
        return (ReceivedMessage(sender: sender, message: message), freed)
    }

    /// Answers a blocking message. Answering twice, answering a non-blocking message or
    /// answering with the wrong kind of reply is `DoubleFree`, as on Xous, and changes nothing.
    /// Answering a message whose sender's process has ended frees its slot and fails with
    /// `ProcessNotFound`, as on Xous.
    func reply(by process: ProcessRecord, to sender: MessageSender, with result: XousResult) throws(XousError) {
        // The sender, and a sender waiting for the freed slot, are woken after the lock is
        // released (see `send`).
        let (freed, replied, senderGone) = try lock.withLock {
            () throws(XousError) -> (ParkingCondition?, SenderWake?, Bool) in
            guard !process.terminated else { throw .processTerminated }
            // The sender word may be one a hosted peer made up: its server byte can name an
            // index past the table.
            guard servers.indices.contains(sender.serverIndex), let server = servers[sender.serverIndex],
                  server.owner == process.pid
            else { throw .serverNotFound }
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
            if message.senderGone { return (freed, nil, true) }
            return (freed, message.answerLater(.success(result)), false)
        }
        replied?.fire()
        freed?.signal()
        if senderGone { throw .processNotFound }
    }

    // MARK: Privileged calls for the name server

    /// `connect_for_process`: makes a connection in another process's table without telling it
    /// the SID. With a `deadline`, a server that does not exist yet is waited for until then
    /// (Xous's kernel answers RetryCall and its name server retries with no limit).
    /// - Throws: `ProcessNotFound` if `pid` is not a live process; as `connect` otherwise.
    func connect(forProcess pid: PID, to sid: SID, deadline: MonotonicInstant? = nil) throws(XousError) -> CID {
        guard let target = lock.withLock({ processes[pid] }) else { throw .processNotFound }
        do throws(XousError) {
            return try connect(from: target, to: sid, blocking: deadline != nil, deadline: deadline)
        } catch .processTerminated {
            throw .processNotFound
        }
    }

    func processName(_ pid: PID) -> String? { lock.withLock { processes[pid]?.name } }
}

/// Set by `send` once the message is in the server's queue: an error after that came from the
/// server's end (destroyed, its process gone), not from the send itself.
final class QueuedFlag: @unchecked Sendable {
    var value = false
}

/// A message taken off a queue, before it is wrapped in an envelope.
struct ReceivedMessage: @unchecked Sendable {
    let sender: MessageSender
    let message: PendingMessage
}
