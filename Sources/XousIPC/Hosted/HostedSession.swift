#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// One hosted process's connection, kernel side: reads its requests, runs them against the
/// model as that process, and writes each answer (frame and bytes) in one write.
///
/// One thread serves a connection. A call that waits (a receive on an empty queue, a blocking
/// message's reply) leaves a continuation in the kernel instead of a thread: the thread that
/// sends the message or the reply writes the answer, as Xous's kernel hands a message straight
/// to a waiting thread.
final class HostedSession: @unchecked Sendable {
    private unowned let host: HostedKernel
    let process: XousProcess
    private let port: EmbeddedPort
    private let fd: Int32
    private let outbox: HostedOutbox
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var threadIDs: Set<UInt> = []
    /// Thread ids with a call in progress: a second request from one is a protocol fault.
    private var busy: Set<UInt> = []
    /// Blocking messages delivered to this process and not yet answered, by sender word: the
    /// model's sender (with its generation) and, for lends, the kernel's copy of the bytes.
    private var delivered: [UInt: Delivery] = [:]
    private var closed = false
    private var closeReason: String?

    init(kernel host: HostedKernel, process: XousProcess, fd: Int32) {
        self.host = host
        self.process = process
        // A hosted kernel's processes are always the model's own.
        port = process.port as! EmbeddedPort
        self.fd = fd
        outbox = HostedOutbox(fd: fd)
    }

    // MARK: Life

    /// Reads and serves requests until the connection ends; returns why it ended.
    func run() -> String {
        let frameBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: HostedFrame.size, alignment: 8)
        defer { frameBytes.deallocate() }
        while true {
            // A peer that does not read its answers is not read either.
            outbox.waitUntilDrained()
            guard TCPSocket.read(fd, into: frameBytes.baseAddress!, count: HostedFrame.size) else {
                return lock.withLock { closeReason } ?? "end of stream"
            }
            guard let frame = try? HostedFrame(bytes: UnsafeRawBufferPointer(frameBytes)) else { return "unreadable frame" }
            let length = frame.requestPayloadLength
            guard length <= UInt(HostedKernel.maxPayload) else {
                return "a request announced \(length) bytes of payload, beyond the \(HostedKernel.maxPayload)-byte limit"
            }
            guard let payload = TCPSocket.read(fd, count: Int(length)) else { return "end of stream inside a payload" }
            if let fault = dispatch(frame, payload: payload) { return fault }
        }
    }

    /// Ends the connection: the process is torn down as on EOF (its blocked threads wake), and
    /// the socket is shut so the reader stops. Idempotent.
    func close(because reason: String) {
        let first = lock.withLock { () -> Bool in
            guard !closed else { return false }
            closed = true
            closeReason = reason
            return true
        }
        guard first else { return }
        process.terminate()
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Waits for this connection's writer thread, if it has one; answers from then on go
    /// nowhere. The socket is closed when the session goes (deinit), after it and after any late
    /// `close(because:)`, so neither an answer nor a shutdown can land on a descriptor number
    /// reused by a new connection.
    func join() {
        outbox.close()
    }

    deinit { Glibc.close(fd) }

    // MARK: Answers

    /// Writes the one answer a request gets. The thread id is free for its next request from
    /// here on, before the write: the client may send it the moment the answer lands.
    private func answer(_ frame: HostedFrame, bytes: UnsafeRawBufferPointer? = nil) {
        lock.withLock { _ = busy.remove(frame.tid) }
        var packet = frame.bytes
        if let bytes { packet.append(contentsOf: bytes) }
        outbox.send(packet)
    }

    private func answer(_ tid: UInt, _ tag: ResultTag, _ values: [UInt] = []) {
        answer(HostedFrame(tid: tid, result: tag, values))
    }

    private func answer(_ tid: UInt, error: XousError) {
        answer(tid, .error, [error.code])
    }

    // MARK: Dispatch

    /// Runs one request; returns a reason to end the connection, or nil.
    private func dispatch(_ frame: HostedFrame, payload: [UInt8]) -> String? {
        let tid = frame.tid
        let syscall = SyscallNumber(rawValue: frame.first)
        // Temporary ids (xous-rs counts them from 65536) may only ask for a real one.
        let temporaryAllowed = syscall == .createThread || syscall == .getThreadID || syscall == .getProcessID
        let fault = lock.withLock { () -> String? in
            if tid <= 1 { return "a request from thread id \(tid), which no process owns" }
            if !threadIDs.contains(tid) && !(temporaryAllowed && tid >= HostedPort.firstTemporaryTID) {
                return "a request from thread id \(tid), which this process was never given"
            }
            if busy.contains(tid) { return "a second request from thread id \(tid) while its first is unanswered" }
            busy.insert(tid)
            return nil
        }
        if let fault { return fault }
        let a = frame.words  // a[1] … a[7] are the arguments
        switch syscall {
        case .createThread?:
            let granted = lock.withLock { () -> UInt? in
                guard let free = (2...HostedKernel.maxThreadID).first(where: { !threadIDs.contains($0) }) else { return nil }
                threadIDs.insert(free)
                return free
            }
            if let granted { answer(tid, .threadID, [granted]) } else { answer(tid, error: .threadNotAvailable) }
        case .getThreadID?:
            answer(tid, .threadID, [tid])
        case .getProcessID?:
            answer(tid, .processID, [UInt(process.pid)])
        case .yield?, .waitEvent?:
            answer(tid, .ok)
        case .unmapMemory?:
            if a[1] == 0 || a[2] == 0 { answer(tid, error: .invalidSyscall) } else { answer(tid, .ok) }
        case .mapMemory?:
            mapMemory(tid, physical: a[1], virtual: a[2], size: a[3], flags: a[4])
        case .terminateProcess?:
            return "TerminateProcess (ended like a closed socket; the real kernel aborts)"
        case .shutdown?:
            answer(tid, .ok)
            return "Shutdown (only this process ends; the real kernel takes every process down)"
        case .sendMessage?, .trySendMessage?:
            send(tid, a, payload: payload, retry: syscall == .sendMessage)
        case .receiveMessage?:
            guard let sid = SID(frameWords: a[1...4]) else { return invalid(tid) }
            receive(tid, sid)
        case .replyAndReceiveNext?:
            replyAndReceiveNext(tid, a, payload: payload)
        default:
            immediate(tid, syscall, a, payload: payload)
        }
        return nil
    }

    private func invalid(_ tid: UInt) -> String? {
        answer(tid, error: .invalidSyscall)
        return nil
    }

    /// The calls that never wait, answered on the reading thread.
    private func immediate(_ tid: UInt, _ syscall: SyscallNumber?, _ a: [UInt], payload: [UInt8]) {
        func sid(_ from: Int) -> SID? { SID(frameWords: a[from..<from + 4]) }
        do throws(XousError) {
            switch syscall {
            case .createServerWithAddress?:
                guard let requested = sid(1) else { throw .invalidSyscall }
                let (created, cid) = try port.createServer(sid: requested)
                answer(tid, .newServerID, created.frameWords + [UInt(cid)])
            case .createServer?:
                let (created, cid) = try port.createServer(sid: nil)
                answer(tid, .newServerID, created.frameWords + [UInt(cid)])
            case .createServerID?:
                answer(tid, .serverID, SID.random().frameWords)
            case .connect?, .tryConnect?:
                guard let target = sid(1) else { throw .invalidSyscall }
                do throws(XousError) {
                    answer(tid, .connectionID, [UInt(try port.connect(target, blocking: false))])
                } catch .serverNotFound where syscall == .connect {
                    answer(tid, .retryCall)
                }
            case .tryReceiveMessage?:
                guard let server = sid(1) else { throw .invalidSyscall }
                if let delivery = try port.receive(server, blocking: false) {
                    deliver(tid, delivery)
                } else {
                    answer(tid, .none)
                }
            case .destroyServer?:
                guard let server = sid(1) else { throw .invalidSyscall }
                try port.destroyServer(server)
                answer(tid, .ok)
            case .disconnect?:
                guard a[1] <= UInt(UInt32.max) else { throw .serverNotFound }
                try port.disconnect(CID(a[1]))
                answer(tid, .ok)
            case .connectForProcess?:
                let target = PID(truncatingIfNeeded: a[1])
                guard target != 0, let server = sid(2) else { throw .invalidSyscall }
                do throws(XousError) {
                    answer(tid, .connectionID, [UInt(try port.connect(forProcess: target, to: server, deadline: nil))])
                } catch .serverNotFound {
                    answer(tid, .retryCall)
                }
            case .returnScalar1?:
                try reply(a[1], .scalar1(a[2]))
                answer(tid, .ok)
            case .returnScalar2?:
                try reply(a[1], .scalar2(a[2], a[3]))
                answer(tid, .ok)
            case .returnScalar5?:
                try reply(a[1], .scalar5(a[2], a[3], a[4], a[5], a[6]))
                answer(tid, .ok)
            case .returnMemory?:
                guard a[2] != 0, a[3] != 0 else { throw .invalidSyscall }
                try returnMemory(a[1], bytes: payload, offset: a[4], valid: a[5])
                answer(tid, .ok)
            case .createProcess?:
                var key: [UInt8] = []
                for word in a[1...4] { key += withUnsafeBytes(of: UInt32(truncatingIfNeeded: word).littleEndian, Array.init) }
                answer(tid, .newProcess, [UInt(try host.admit(name: "created by \(process.pid)", key: key).pid)])
            case .joinThread?:
                answer(tid, .scalar1, [0])
            default:
                throw .unhandledSyscall
            }
        } catch {
            answer(tid, error: error)
        }
    }

    private func mapMemory(_ tid: UInt, physical: UInt, virtual: UInt, size: UInt, flags: UInt) {
        // The real kernel gives no answer to a size of 0 or unknown flags, and aborts on a
        // physical address or device memory: all refused here.
        if size == 0 || flags > 0x3f { return answer(tid, error: .invalidSyscall) }
        if physical != 0 || flags & 0x10 != 0 { return answer(tid, error: .badAddress) }
        if size % UInt(Buffer.pageSize) != 0 { return answer(tid, error: .badAlignment) }
        if virtual >= 0xff00_0000 { return answer(tid, error: .badAddress) }
        answer(tid, .memoryRange, [virtual != 0 ? virtual : 0x6000_0000, size])
    }

    // MARK: Messages

    private func send(_ tid: UInt, _ a: [UInt], payload: [UInt8], retry: Bool) {
        guard a[1] <= UInt(UInt32.max), (1...5).contains(a[2]), let kind = MessageKind(rawValue: Int(a[2]) - 1) else {
            return answer(tid, error: a[1] > UInt(UInt32.max) ? .invalidSyscall : .unhandledSyscall)
        }
        let cid = CID(a[1])
        if kind.hasMemory && (a[4] == 0 || a[5] == 0) {
            return answer(tid, error: .invalidSyscall)
        }
        let storage = kind.hasMemory ? payload.withUnsafeBytes { PageStorage(copying: $0) } : nil
        let scalar = kind.hasMemory ? ScalarMessage(id: a[3]) : ScalarMessage(id: a[3], a[4], a[5], a[6], a[7])
        let offset = kind.hasMemory ? Int(truncatingIfNeeded: a[6]) : 0
        let valid = kind.hasMemory ? Int(truncatingIfNeeded: a[7]) : 0
        // A blocking message is answered by whoever replies to it (or the kernel, when its
        // server goes), through the continuation: no kernel thread waits for the reply.
        var continuation: (@Sendable (Result<XousResult, XousError>) -> Void)?
        if kind.isBlocking {
            continuation = { [weak self] result in
                self?.answerSend(tid, result, storage: storage, queued: true, retry: retry)
            }
        }
        let queued = QueuedFlag()
        do throws(XousError) {
            let result = try port.kernel.send(
                from: port.record, to: cid, kind: kind, scalar: scalar, storage: storage,
                offset: offset, valid: valid, waitForSlot: false, queued: queued, whenAnswered: continuation)
            if !kind.isBlocking { answerSend(tid, .success(result), storage: storage, queued: true, retry: retry) }
        } catch {
            answerSend(tid, .failure(error), storage: storage, queued: queued.value, retry: retry)
        }
    }

    /// Writes the answer to a send: its result, or its error (a lend that reached the queue and
    /// was abandoned there gets its buffer back after the error, as the real kernel does on
    /// DestroyServer; an immediate refusal carries nothing).
    private func answerSend(
        _ tid: UInt, _ result: Result<XousResult, XousError>, storage: PageStorage?, queued: Bool, retry: Bool
    ) {
        switch result {
        case .success(.ok): answer(tid, .ok)
        case .success(.scalar1(let value)): answer(tid, .scalar1, [value])
        case let .success(.scalar2(first, second)): answer(tid, .scalar2, [first, second])
        case let .success(.scalar5(p, q, r, s, t)): answer(tid, .scalar5, [p, q, r, s, t])
        case let .success(.memoryReturned(offset, valid)):
            // The lender gets its whole original length back, whatever the server sent.
            answer(HostedFrame(tid: tid, result: .memoryReturned, [UInt(bitPattern: offset), UInt(bitPattern: valid)]), bytes: storage?.bytes)
        case .failure(.serverQueueFull) where retry:
            answer(tid, .retryCall)
        case .failure(.processTerminated):
            // This process is being torn down; nobody is left to answer.
            break
        case .failure(let error):
            let withBytes = queued && storage != nil
            answer(HostedFrame(tid: tid, result: .error, [error.code]), bytes: withBytes ? storage?.bytes : nil)
        }
    }

    /// A blocking receive, answered now if a message is queued and otherwise by the thread
    /// that sends the next one (`WaitingReceive`): no kernel thread waits for it.
    private func receive(_ tid: UInt, _ sid: SID) {
        let waiting = WaitingReceive { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let received): deliver(tid, Delivery(received))
            case .failure(.processTerminated): break
            case .failure(let error): answer(tid, error: error)
            }
        }
        do throws(XousError) {
            guard let received = try port.kernel.receive(by: port.record, from: sid, blocking: true, leaving: waiting) else { return }
            deliver(tid, Delivery(received))
        } catch .processTerminated {
        } catch {
            answer(tid, error: error)
        }
    }

    /// Writes an envelope; a blocking message is remembered until it is answered.
    private func deliver(_ tid: UInt, _ delivery: Delivery) {
        if delivery.kind.isBlocking { lock.withLock { delivered[delivery.sender.data] = delivery } }
        let head = [delivery.sender.data, UInt(delivery.kind.envelopeCode), delivery.scalar.id]
        if let storage = delivery.storage, delivery.kind.hasMemory {
            let values = head + [HostedKernel.envelopeAddress, UInt(storage.count), UInt(bitPattern: delivery.offset), UInt(bitPattern: delivery.valid)]
            answer(HostedFrame(tid: tid, result: .messageEnvelope, values), bytes: storage.bytes)
        } else {
            answer(tid, .messageEnvelope, head + delivery.scalar.args)
        }
    }

    /// The model's sender for a word this process hands back: the one it was given (with its
    /// generation), or, for a word it never got, one the model will refuse.
    private func sender(for word: UInt) -> (MessageSender, PageStorage?) {
        lock.withLock {
            if let delivery = delivered[word] { return (delivery.sender, delivery.storage) }
            return (MessageSender(data: word), nil)
        }
    }

    private func reply(_ word: UInt, _ result: XousResult) throws(XousError) {
        let (sender, _) = self.sender(for: word)
        do throws(XousError) {
            try port.kernel.reply(by: port.record, to: sender, with: result)
            lock.withLock { _ = delivered.removeValue(forKey: word) }
        } catch .processNotFound {
            lock.withLock { _ = delivered.removeValue(forKey: word) }
            throw .processNotFound
        }
    }

    private func returnMemory(_ word: UInt, bytes: [UInt8], offset: UInt, valid: UInt) throws(XousError) {
        let (_, storage) = sender(for: word)
        guard let storage else { throw lock.withLock({ delivered[word] }) == nil ? .doubleFree : .invalidSyscall }
        // A shorter buffer would hand the lender kernel garbage in the real kernel; refused here.
        guard bytes.count == storage.count else { throw .badAddress }
        bytes.withUnsafeBytes { storage.mutableBytes.copyMemory(from: $0) }
        try reply(word, .memoryReturned(offset: Int(truncatingIfNeeded: offset), valid: Int(truncatingIfNeeded: valid)))
    }

    private func replyAndReceiveNext(_ tid: UInt, _ a: [UInt], payload: [UInt8]) {
        let word = a[1]
        do throws(XousError) {
            switch a[7] {
            case UInt.max:
                guard a[3] != 0, a[4] != 0 else { throw .invalidSyscall }
                try returnMemory(word, bytes: payload, offset: a[5], valid: a[6])
            case 1: try reply(word, .scalar1(a[3]))
            case 2: try reply(word, .scalar2(a[3], a[4]))
            default: try reply(word, .scalar5(a[2], a[3], a[4], a[5], a[6]))
            }
            guard let sid = host.serverSID(atIndex: Int((word >> 16) & 0xff)) else { throw .serverNotFound }
            receive(tid, sid)
        } catch .processTerminated {
        } catch {
            answer(tid, error: error)
        }
    }
}
