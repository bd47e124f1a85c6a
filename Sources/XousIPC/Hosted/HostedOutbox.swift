#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// How a hosted session's answers leave the kernel: written at once while the socket takes
/// them, and otherwise queued for a writer thread of the session's own.
///
/// A message is handed to a waiting receiver by the thread that sends it, often another
/// session's reader, so a write must never wait on the receiving peer: a peer that stops
/// reading would stall every process that sends to it. Its own reader is the one that waits
/// (`waitUntilDrained`), which stops reading its requests until it reads its answers.
final class HostedOutbox: @unchecked Sendable {
    /// Bytes queued beyond which the session's reader stops reading requests.
    static let backlogLimit = 1 << 20

    private let fd: Int32
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var backlog: [UInt8] = []
    /// Bytes the writer thread took from `backlog` and is writing: while any are, a direct
    /// write would overtake them.
    private var writing = 0
    private var closed = false
    private var writer: OSThread?
    private var writerStarted = false

    init(fd: Int32) { self.fd = fd }

    /// Sends `packet` after everything sent before it; never waits for the peer.
    func send(_ packet: [UInt8]) {
        lock.withLock {
            guard !closed else { return }
            var rest = packet[...]
            if backlog.isEmpty && writing == 0 {
                guard let sent = packet.withUnsafeBytes({ TCPSocket.writeWithoutWaiting(fd, $0) }) else {
                    // The peer is gone; its reader finds out and ends the session.
                    return
                }
                if sent == packet.count { return }
                rest = packet[sent...]
            }
            backlog.append(contentsOf: rest)
            if writerStarted {
                lock.signal()
                return
            }
            do {
                writer = try OSThread(name: "xous-kernel-tx", stackSize: 128 * 1024) { [self] in drain() }
                writerStarted = true
            } catch {
                // No thread to wait on the peer: answers would be lost. End the connection
                // instead, as a peer that does not read deserves.
                closed = true
                backlog = []
                shutdown(fd, Int32(SHUT_RDWR))
            }
        }
    }

    /// Waits while more than `backlogLimit` bytes are queued: called by the session's own
    /// reader before it takes the next request.
    func waitUntilDrained() {
        lock.withLock {
            while backlog.count + writing > Self.backlogLimit && !closed { lock.wait() }
        }
    }

    /// Drops what is queued and ends the writer (the socket is shut by then). Idempotent.
    func close() {
        lock.lock()
        closed = true
        backlog = []
        lock.broadcast()
        let thread = writer.take()
        lock.unlock()
        thread?.join()
    }

    private func drain() {
        lock.lock()
        while true {
            while backlog.isEmpty && !closed { lock.wait() }
            if closed {
                lock.unlock()
                return
            }
            let chunk = backlog
            backlog = []
            writing = chunk.count
            lock.unlock()
            let written = chunk.withUnsafeBytes { TCPSocket.write(fd, $0) }
            lock.lock()
            writing = 0
            if !written {
                closed = true
                backlog = []
            }
            lock.broadcast()  // a reader waiting in waitUntilDrained
        }
    }
}
