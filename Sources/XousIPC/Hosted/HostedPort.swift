#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// What a hosted-mode process needs from its environment to reach its kernel (`XOUS_SERVER`,
/// `XOUS_PID`, `XOUS_PROCESS_KEY`), as every Xous hosted-mode process reads it.
public struct HostedEnvironment: Sendable, Equatable {
    /// The kernel's `host:port`.
    public var server: String
    /// The PID the kernel will give this process.
    public var pid: PID
    /// The 16-byte key that proves it.
    public var key: [UInt8]

    /// Reads the three variables; any that is missing or malformed is named in the error.
    public init(environment: [String: String]) throws(HostedEnvironmentError) {
        guard let server = environment["XOUS_SERVER"], !server.isEmpty else { throw .missing("XOUS_SERVER") }
        guard TCPSocket.split(server) != nil else { throw .malformed("XOUS_SERVER", "expected host:port, got \(server)") }
        guard let pidText = environment["XOUS_PID"] else { throw .missing("XOUS_PID") }
        guard let pid = UInt8(pidText), pid != 0 else { throw .malformed("XOUS_PID", "expected 1…255, got \(pidText)") }
        guard let keyText = environment["XOUS_PROCESS_KEY"] else { throw .missing("XOUS_PROCESS_KEY") }
        guard let key = HostedEnvironment.bytes(hex: keyText), key.count == 16 else {
            throw .malformed("XOUS_PROCESS_KEY", "expected 32 hex digits")
        }
        self.server = server
        self.pid = pid
        self.key = key
    }

    /// Whether the environment asks for hosted mode (`XOUS_SERVER` set), as xous-rs decides.
    public static func isPresent(in environment: [String: String]) -> Bool {
        !(environment["XOUS_SERVER"] ?? "").isEmpty
    }

    /// The key as `XOUS_PROCESS_KEY` spells it: 32 lower-case hex digits.
    public static func hex(_ key: [UInt8]) -> String {
        key.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let pair = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(pair)
        }
        return out
    }
}

/// A hosted-mode environment that cannot be used.
public enum HostedEnvironmentError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(String)
    case malformed(String, String)
    /// The kernel refused the key, answered another PID, or could not be reached.
    case handshake(String)

    public var description: String {
        switch self {
        case .missing(let name): "\(name) is not set (a hosted-mode process needs XOUS_SERVER, XOUS_PID and XOUS_PROCESS_KEY)"
        case let .malformed(name, why): "\(name): \(why)"
        case .handshake(let why): "hosted kernel: \(why)"
        }
    }
}

extension XousProcess {
    /// Joins a hosted-mode kernel over TCP as Xous's client library does: one connection, the
    /// 16-byte key, the PID byte back. Every syscall of the returned process then travels as a
    /// frame; each thread that makes one gets its own thread id from the kernel.
    /// - Parameter name: for this process's logs only (the kernel knows it by PID).
    public static func joinHosted(_ environment: HostedEnvironment, name: String) throws(HostedEnvironmentError) -> XousProcess {
        XousProcess(port: try HostedPort(environment, name: name))
    }
}

/// The hosted transport: syscalls as 72-byte frames over one TCP connection to the kernel.
///
/// Threads write whole requests under one lock; one reader thread takes every answer off the
/// socket and hands it to the thread whose id it carries. A waiting thread sleeps on its own
/// condition, so an idle process makes no wake-ups.
final class HostedPort: KernelPort, @unchecked Sendable {
    /// The largest memory message accepted from the kernel; beyond it the stream is not trusted.
    static let maxPayload = 16 << 20
    /// xous-rs's pause before resending a request answered `RetryCall`.
    static let retryMicroseconds: UInt32 = 5_000
    /// Where xous-rs starts the temporary ids it sends CreateThread from.
    static let firstTemporaryTID: UInt = 65_536

    let pid: PID
    let name: String
    private let fd: Int32
    private let writeLock = ConditionLock()
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var answers: [UInt: Answer] = [:]
    private var waiters: [UInt: ParkingCondition] = [:]
    /// Threads with a Borrow or MutableBorrow outstanding, and its length: the bytes that
    /// follow its MemoryReturned.
    private var lends: [UInt: Int] = [:]
    private var lost = false
    private var connections: Set<CID> = []
    private var freeTIDs: [UInt] = []
    private var nextTemporaryTID = HostedPort.firstTemporaryTID
    private var key = pthread_key_t()
    private var reader: OSThread?

    private struct Answer {
        let frame: HostedFrame
        let bytes: [UInt8]?
    }

    init(_ environment: HostedEnvironment, name: String) throws(HostedEnvironmentError) {
        self.name = name
        let fd: Int32
        do {
            fd = try TCPSocket.connect(to: environment.server)
        } catch {
            throw .handshake(error.description)
        }
        self.fd = fd
        let sent = environment.key.withUnsafeBytes { TCPSocket.write(fd, $0) }
        guard sent, let answer = TCPSocket.read(fd, count: 1) else {
            close(fd)
            throw .handshake("\(environment.server) closed the connection instead of answering the key (unknown or already used)")
        }
        guard answer[0] == environment.pid else {
            close(fd)
            throw .handshake("the kernel answered PID \(answer[0]), XOUS_PID says \(environment.pid)")
        }
        pid = answer[0]
        pthread_key_create(&key) { lease in
            Unmanaged<TIDLease>.fromOpaque(lease!).release()
        }
        do {
            reader = try OSThread(xous: "xous-hosted-rx") { [self] in readAnswers() }
        } catch {
            // Fully initialised by now: deinit closes the socket.
            throw .handshake("no thread for the socket reader: \(error)")
        }
    }

    deinit {
        pthread_key_delete(key)
        // Closed only here, when no thread can hold the number any more: closed earlier, a
        // later `terminate` (its shutdown) could reach whatever socket reused the number.
        close(fd)
    }

    // MARK: Thread ids

    /// Gives a finished thread's id to the next thread that needs one: the kernel keeps no
    /// per-thread state a later user could trip on, and hosted Xous never frees a thread slot,
    /// so 31 ids must last the life of the process.
    private final class TIDLease {
        weak var port: HostedPort?
        let tid: UInt
        init(port: HostedPort, tid: UInt) {
            self.port = port
            self.tid = tid
        }
        deinit { port?.returnTID(tid) }
    }

    fileprivate func returnTID(_ tid: UInt) { lock.withLock { freeTIDs.append(tid) } }

    /// The calling thread's id, asked of the kernel (CreateThread from a temporary id) the
    /// first time this thread makes a call.
    private func currentTID() throws(XousError) -> UInt {
        if let lease = pthread_getspecific(key) {
            return Unmanaged<TIDLease>.fromOpaque(lease).takeUnretainedValue().tid
        }
        let reused = lock.withLock { () -> UInt? in freeTIDs.popLast() }
        let tid: UInt
        if let reused {
            tid = reused
        } else {
            let temporary = lock.withLock { () -> UInt in
                defer { nextTemporaryTID += 1 }
                return nextTemporaryTID
            }
            let answer = try exchange(HostedFrame(tid: temporary, syscall: .createThread), payload: nil, lend: nil)
            guard answer.frame.first == ResultTag.threadID.rawValue else { throw Self.error(in: answer.frame) }
            tid = answer.frame[argument: 1]
        }
        pthread_setspecific(key, Unmanaged.passRetained(TIDLease(port: self, tid: tid)).toOpaque())
        return tid
    }

    // MARK: The socket

    private func readAnswers() {
        let frameBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: HostedFrame.size, alignment: 8)
        defer { frameBytes.deallocate() }
        while TCPSocket.read(fd, into: frameBytes.baseAddress!, count: HostedFrame.size) {
            guard let frame = try? HostedFrame(bytes: UnsafeRawBufferPointer(frameBytes)) else { break }
            var length = 0
            let tag = frame.first
            if tag == ResultTag.messageEnvelope.rawValue, frame[argument: 2] <= 2 {
                guard frame[argument: 5] <= UInt(Self.maxPayload) else { break }
                length = Int(frame[argument: 5])
            } else if let lent = lock.withLock({ lends[frame.tid] }) {
                if tag == ResultTag.memoryReturned.rawValue {
                    length = lent
                } else if tag == ResultTag.error.rawValue, frame[argument: 1] == XousError.serverNotFound.code,
                          TCPSocket.available(fd) >= lent {
                    // A lend refused at once carries no bytes; one abandoned by a destroyed or
                    // ended server carries its buffer, written in the same write as the frame.
                    length = lent
                }
            }
            var bytes: [UInt8]?
            if tag == ResultTag.memoryReturned.rawValue || length > 0 {
                guard let read = TCPSocket.read(fd, count: length) else { break }
                bytes = read
            }
            let waiter = lock.withLock { () -> ParkingCondition? in
                answers[frame.tid] = Answer(frame: frame, bytes: bytes)
                return waiters[frame.tid]
            }
            waiter?.signal()
        }
        let all = lock.withLock { () -> [ParkingCondition] in
            lost = true
            lock.broadcast()  // waitUntilTerminated
            return Array(waiters.values)
        }
        for waiter in all { waiter.signal() }
    }

    /// Writes one request (frame and payload in one write) and waits for its answer.
    private func exchange(_ frame: HostedFrame, payload: UnsafeRawBufferPointer?, lend: Int?) throws(XousError) -> Answer {
        let condition = try lock.withLock { () throws(XousError) -> ParkingCondition in
            guard !lost else { throw .processTerminated }
            let condition = waiters[frame.tid] ?? ParkingCondition()
            waiters[frame.tid] = condition
            lends[frame.tid] = lend
            return condition
        }
        var packet = frame.bytes
        if let payload { packet.append(contentsOf: payload) }
        let written = writeLock.withLock { packet.withUnsafeBytes { TCPSocket.write(fd, $0) } }
        lock.lock()
        defer { lock.unlock() }
        defer { lends[frame.tid] = nil }
        guard written else { throw .processTerminated }
        while answers[frame.tid] == nil && !lost { lock.wait(on: condition) }
        guard let answer = answers.removeValue(forKey: frame.tid) else { throw .processTerminated }
        return answer
    }

    /// What a call does with a `RetryCall` answer.
    private enum Retry {
        /// Resend for ever (a blocking connect, a send to a full queue).
        case always
        /// Resend until then; after it, `ServerNotFound`.
        case until(MonotonicInstant)
        /// `ServerNotFound` at once.
        case never
    }

    /// One call from the calling thread; RetryCall is resent after 5 ms as `retry` says.
    private func call(
        _ syscall: SyscallNumber, _ arguments: [UInt], payload: UnsafeRawBufferPointer? = nil,
        lend: Int? = nil, retry: Retry = .always
    ) throws(XousError) -> Answer {
        let tid = try currentTID()
        while true {
            let answer = try exchange(HostedFrame(tid: tid, syscall: syscall, arguments), payload: payload, lend: lend)
            guard answer.frame.first == ResultTag.retryCall.rawValue else { return answer }
            switch retry {
            case .always: break
            case .until(let limit) where MonotonicInstant.now < limit: break
            case .until, .never: throw .serverNotFound
            }
            usleep(Self.retryMicroseconds)
        }
    }

    private static func error(in frame: HostedFrame) -> XousError {
        frame.first == ResultTag.error.rawValue ? XousError(code: frame[argument: 1]) : .internalError
    }

    private static func expect(_ tag: ResultTag, _ answer: Answer) throws(XousError) -> HostedFrame {
        guard answer.frame.first == tag.rawValue else { throw error(in: answer.frame) }
        return answer.frame
    }

    // MARK: KernelPort

    var isTerminated: Bool { lock.withLock { lost } }

    func waitUntilTerminated() { lock.withLock { while !lost { lock.wait() } } }

    var connectionCount: Int { lock.withLock { connections.count } }

    /// Closing the socket is how a hosted process ends (TerminateProcess would take the real
    /// kernel down); the reader then fails every waiting thread.
    func terminate() {
        shutdown(fd, Int32(SHUT_RDWR))
        reader.take()?.join()
    }

    func createServer(sid: SID?) throws(XousError) -> (SID, CID) {
        let answer = sid.map { requested -> (SyscallNumber, [UInt]) in (.createServerWithAddress, requested.frameWords) }
            ?? (.createServer, [])
        let frame = try Self.expect(.newServerID, try call(answer.0, answer.1))
        guard let created = SID(frameWords: frame.words[1...4]), frame[argument: 5] <= UInt(UInt32.max) else { throw .internalError }
        let cid = CID(frame[argument: 5])
        lock.withLock { _ = connections.insert(cid) }
        return (created, cid)
    }

    func destroyServer(_ sid: SID) throws(XousError) {
        _ = try Self.expect(.ok, try call(.destroyServer, sid.frameWords))
    }

    func connect(_ sid: SID, blocking: Bool) throws(XousError) -> CID {
        let answer = blocking ? try call(.connect, sid.frameWords) : try call(.tryConnect, sid.frameWords)
        let frame = try Self.expect(.connectionID, answer)
        let cid = CID(truncatingIfNeeded: frame[argument: 1])
        lock.withLock { _ = connections.insert(cid) }
        return cid
    }

    func disconnect(_ cid: CID) throws(XousError) {
        _ = try Self.expect(.ok, try call(.disconnect, [UInt(cid)]))
        lock.withLock { _ = connections.remove(cid) }
    }

    func connect(forProcess pid: PID, to sid: SID, deadline: MonotonicInstant?) throws(XousError) -> CID {
        let answer = try call(.connectForProcess, [UInt(pid)] + sid.frameWords, retry: deadline.map(Retry.until) ?? .never)
        return CID(truncatingIfNeeded: try Self.expect(.connectionID, answer)[argument: 1])
    }

    func send(
        _ cid: CID, kind: MessageKind, scalar: ScalarMessage,
        storage: PageStorage?, offset: Int, valid: Int, waitForSlot: Bool
    ) throws(XousError) -> XousResult {
        let syscall: SyscallNumber = waitForSlot ? .sendMessage : .trySendMessage
        let answer: Answer
        if let storage, kind.hasMemory {
            // The address is only remembered by the kernel; it must not be 0.
            let address = UInt(bitPattern: storage.base)
            answer = try call(
                syscall,
                [UInt(cid), UInt(kind.syscallCode), scalar.id, address, UInt(storage.count), UInt(offset), UInt(valid)],
                payload: storage.bytes, lend: kind.isBlocking ? storage.count : nil)
        } else {
            answer = try call(syscall, [UInt(cid), UInt(kind.syscallCode), scalar.id] + scalar.args)
        }
        let frame = answer.frame
        switch ResultTag(rawValue: frame.first) {
        case .ok?: return .ok
        case .scalar1?: return .scalar1(frame[argument: 1])
        case .scalar2?: return .scalar2(frame[argument: 1], frame[argument: 2])
        case .scalar5?:
            return .scalar5(frame[argument: 1], frame[argument: 2], frame[argument: 3], frame[argument: 4], frame[argument: 5])
        case .memoryReturned?:
            if kind == .mutableBorrow, let storage, let bytes = answer.bytes {
                bytes.withUnsafeBytes { storage.mutableBytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(storage.count))) }
            }
            return .memoryReturned(offset: Int(truncatingIfNeeded: frame[argument: 1]), valid: Int(truncatingIfNeeded: frame[argument: 2]))
        default:
            throw Self.error(in: frame)
        }
    }

    func receive(_ sid: SID, blocking: Bool) throws(XousError) -> Delivery? {
        let answer = try call(blocking ? .receiveMessage : .tryReceiveMessage, sid.frameWords)
        let frame = answer.frame
        if frame.first == ResultTag.none.rawValue { return nil }
        guard frame.first == ResultTag.messageEnvelope.rawValue else { throw Self.error(in: frame) }
        guard frame[argument: 2] <= 4, let kind = MessageKind(rawValue: Int(frame[argument: 2])) else { throw .internalError }
        let sender = MessageSender(data: frame[argument: 1])
        let id = frame[argument: 3]
        if kind.hasMemory {
            let storage = (answer.bytes ?? []).withUnsafeBytes { PageStorage(copying: $0) }
            return Delivery(
                sender: sender, kind: kind, scalar: ScalarMessage(id: id), storage: storage,
                offset: Int(truncatingIfNeeded: frame[argument: 6]), valid: Int(truncatingIfNeeded: frame[argument: 7]))
        }
        let scalar = ScalarMessage(id: id, frame[argument: 4], frame[argument: 5], frame[argument: 6], frame[argument: 7])
        return Delivery(sender: sender, kind: kind, scalar: scalar, storage: nil, offset: 0, valid: 0)
    }

    func receive(_ sid: SID, until deadline: MonotonicInstant) throws(XousError) -> Delivery? {
        throw .unhandledSyscall
    }

    func reply(to sender: MessageSender, with result: XousResult, storage: PageStorage?) throws(XousError) {
        let answer: Answer
        switch result {
        case .scalar1(let value):
            answer = try call(.returnScalar1, [sender.data, value])
        case let .scalar2(first, second):
            answer = try call(.returnScalar2, [sender.data, first, second])
        case let .scalar5(a, b, c, d, e):
            answer = try call(.returnScalar5, [sender.data, a, b, c, d, e])
        case let .memoryReturned(offset, valid):
            guard let storage else { throw .badAddress }
            // The whole original length goes back, as the kernel hands exactly that to the lender.
            answer = try call(
                .returnMemory, [sender.data, UInt(bitPattern: storage.base), UInt(storage.count), UInt(offset), UInt(valid)],
                payload: storage.bytes)
        case .ok:
            throw .doubleFree
        }
        _ = try Self.expect(.ok, answer)
    }
}
