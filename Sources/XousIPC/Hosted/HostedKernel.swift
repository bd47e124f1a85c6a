#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// A Xous hosted-mode kernel: the kernel model behind a TCP listener, speaking the real
/// hosted kernel's frames to processes that are OS processes.
///
/// Each process is admitted first (`admit`, which draws its PID and a 16-byte key), then
/// connects with that key. Every connection is read by its own thread; a call that can block
/// (a receive, a blocking send) runs on a thread of its caller's thread id, parked in the model
/// as an embedded thread would be, so an idle system makes no wake-ups.
///
/// Where the real kernel aborts on a client's mistake (an unknown or reused key, a short
/// handshake, an undecodable request, a thread id the process does not own, TerminateProcess,
/// Shutdown, a length beyond any limit), this one ends that one process's connection, tearing the
/// process down as on EOF, and keeps serving the others.
public final class HostedKernel: @unchecked Sendable {
    /// The largest payload a request may carry; a longer one ends the connection.
    public static let maxPayload = 16 << 20
    /// How long a new connection has to send its key.
    public static let handshakeMilliseconds = 10_000
    /// Thread slots per process: TIDs 2…32, TID 1 being the kernel's own (as in Xous).
    public static let maxThreadID: UInt = 32
    /// The opaque address memory envelopes carry (Xous's DEFAULT_MESSAGE_BASE; receivers
    /// must not read it as a pointer).
    static let envelopeAddress: UInt = 0x4000_0000

    /// The kernel model every call runs against. It has no name server of its own: in hosted
    /// mode that is a process (`xous-names`).
    public let kernel = Kernel(bootingNameServer: false)
    /// The address processes reach the kernel at (`XOUS_SERVER`).
    public let address: String
    /// Called when a process's connection ends (EOF, a protocol fault, TerminateProcess), with
    /// its PID and why; from the connection's thread.
    public var onProcessEnded: (@Sendable (PID, String) -> Void)?
    /// Where the kernel says what it refused; stderr unless replaced.
    public var log: @Sendable (String) -> Void = { line in
        let bytes = Array(("KERNEL: " + line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    private let listener: Int32
    private let lock = ConditionLock()
    /// Admitted processes, by key; `connected` once a socket claimed the key.
    private var admitted: [[UInt8]: Admission] = [:]
    private var sessions: [PID: HostedSession] = [:]
    private var acceptor: OSThread?
    private var stopped = false

    private final class Admission {
        let process: XousProcess
        var connected = false
        init(_ process: XousProcess) { self.process = process }
    }

    /// Listens on `address` (`127.0.0.1:0`, the real kernel's default, picks a free port).
    public init(listeningOn address: String = "127.0.0.1:0") throws(HostedKernelError) {
        do {
            (listener, self.address) = try TCPSocket.listen(on: address)
        } catch {
            throw .listen(error.description)
        }
    }

    /// Starts accepting connections on a thread of its own.
    public func start() throws(XousError) {
        acceptor = try OSThread(xous: "xous-kernel-accept") { [self] in acceptLoop() }
    }

    /// Makes room for a process and draws its key; it becomes live when a connection presents
    /// the key. The name is for the kernel's logs.
    /// - Throws: `OutOfMemory` when the process table is full.
    public func admit(name: String, key requested: [UInt8]? = nil) throws(XousError) -> (pid: PID, key: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        var key = requested ?? (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return try lock.withLock { () throws(XousError) -> (PID, [UInt8]) in
            while requested == nil && (admitted[key] != nil || key.allSatisfy({ $0 == 0 })) {
                key = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            guard admitted[key] == nil, !key.allSatisfy({ $0 == 0 }) else { throw .invalidArgument }
            let process = try kernel.createProcess(name: name)
            admitted[key] = Admission(process)
            return (process.pid, key)
        }
    }

    /// Ends a process, connected or not (a child that exited before it connected frees its PID).
    public func end(_ pid: PID) {
        let (session, process) = lock.withLock { () -> (HostedSession?, XousProcess?) in
            let entry = admitted.first { $0.value.process.pid == pid && !$0.value.process.isTerminated }
            return (sessions[pid], entry?.value.process)
        }
        if let session { session.close(because: "ended by the kernel") } else { process?.terminate() }
        lock.withLock { admitted = admitted.filter { !$0.value.process.isTerminated } }
    }

    /// Processes connected now.
    public var connectedPIDs: [PID] { lock.withLock { sessions.keys.sorted() } }

    /// Stops accepting, ends every connection and waits for their threads.
    public func stop() {
        let all = lock.withLock { () -> [HostedSession] in
            stopped = true
            return Array(sessions.values)
        }
        shutdown(listener, Int32(SHUT_RDWR))
        acceptor.take()?.join()
        close(listener)
        for session in all { session.close(because: "kernel stopping") }
        for session in all { session.join() }
    }

    // MARK: Connections

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            if lock.withLock({ stopped }) {
                close(fd)
                return
            }
            TCPSocket.setNoDelay(fd)
            // The handshake runs on the connection's own thread: a client that never sends its
            // key stalls nobody else (the real kernel handshakes one connection at a time).
            do {
                try OSThread(xous: "xous-kernel-conn") { [self] in serve(fd) }.detach()
            } catch {
                close(fd)
            }
        }
    }

    private func serve(_ fd: Int32) {
        TCPSocket.setReceiveTimeout(fd, milliseconds: Self.handshakeMilliseconds)
        guard let key = TCPSocket.read(fd, count: 16) else {
            log("a connection closed or timed out before sending its 16-byte key; closed it")
            close(fd)
            return
        }
        let claimed = lock.withLock { () -> XousProcess? in
            guard !stopped, let admission = admitted[key], !admission.connected, !admission.process.isTerminated else { return nil }
            admission.connected = true
            return admission.process
        }
        guard let process = claimed else {
            log("a connection presented a key no waiting process has (unknown, or already connected); closed it")
            close(fd)
            return
        }
        TCPSocket.setReceiveTimeout(fd, milliseconds: 0)
        var pidByte = process.pid
        guard withUnsafeBytes(of: &pidByte, { TCPSocket.write(fd, $0) }) else {
            close(fd)
            process.terminate()
            return
        }
        let session = HostedSession(kernel: self, process: process, fd: fd)
        lock.withLock { sessions[process.pid] = session }
        let reason = session.run()
        session.close(because: reason)
        session.join()
        lock.withLock {
            // The PID was freed when the process ended: a newer process may hold it already.
            if sessions[process.pid] === session { sessions[process.pid] = nil }
            admitted = admitted.filter { !$0.value.process.isTerminated }
        }
        log("process \(process.pid) (\(process.name)) ended: \(reason)")
        onProcessEnded?(process.pid, reason)
    }

    /// The SID of the server at `index` in the kernel's table, for ReplyAndReceiveNext.
    func serverSID(atIndex index: Int) -> SID? {
        kernel.lock.withLock { index < kernel.servers.count ? kernel.servers[index]?.sid : nil }
    }
}

/// Why a hosted kernel could not start.
public enum HostedKernelError: Error, Sendable, CustomStringConvertible {
    case listen(String)

    public var description: String {
        switch self {
        case .listen(let why): "cannot listen: \(why)"
        }
    }
}
