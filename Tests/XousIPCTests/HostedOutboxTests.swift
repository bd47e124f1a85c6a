#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import XousIPC

/// The kernel's way out to a hosted peer: a write never waits on the peer, and what the socket
/// cannot take yet is queued, then written in order by the connection's own writer thread.
@Suite("Hosted mode: answers to a peer that reads slowly")
struct HostedOutboxTests {
    @Test("4 MB sent to a peer that reads nothing return at once; read later, every byte arrives in order; past 1 MB queued the reader waits")
    func queuesInOrderWithoutWaiting() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        var size: Int32 = 16 << 10
        setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let outbox = HostedOutbox(fd: pair[0])
        defer {
            // Shut first, as a session does, so that a write stuck on the peer ends too.
            shutdown(pair[0], Int32(SHUT_RDWR))
            outbox.close()
        }

        let packets = 64, packetSize = 64 << 10
        let sent = try Background("sender") { () -> Bool in
            for index in 0..<packets { outbox.send([UInt8](repeating: UInt8(index), count: packetSize)) }
            return true
        }
        #expect(try sent.value(withinMilliseconds: 5_000))
        // The session's reader stops reading the peer's requests while so much waits for it.
        let reader = try Background("reader") { () -> Bool in
            outbox.waitUntilDrained()
            return true
        }
        #expect(reader.isStillBlocked())

        TCPSocket.setReceiveTimeout(pair[1], milliseconds: 5_000)
        let received = try #require(TCPSocket.read(pair[1], count: packets * packetSize))
        let misplaced = (0..<packets).filter { index in
            received[(index * packetSize)..<((index + 1) * packetSize)].contains { $0 != UInt8(index) }
        }
        #expect(misplaced.isEmpty, "packets out of place: \(misplaced)")
        #expect(try reader.value(withinMilliseconds: 5_000))
    }

    @Test("bytes the writer thread has taken count as queued: past 1 MB of them the reader waits")
    func bytesBeingWrittenHoldTheReader() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        let outbox = HostedOutbox(fd: pair[0])
        defer {
            shutdown(pair[0], Int32(SHUT_RDWR))
            outbox.close()
        }
        // One answer of 4 MB: the socket takes a little, the writer thread takes the rest at once
        // and waits on the peer with all of it, leaving nothing in the queue itself.
        outbox.send([UInt8](repeating: 1, count: 4 << 20))
        usleep(50_000)
        let reader = try Background("reader") { () -> Bool in
            outbox.waitUntilDrained()
            return true
        }
        #expect(reader.isStillBlocked())
        TCPSocket.setReceiveTimeout(pair[1], milliseconds: 5_000)
        #expect(TCPSocket.read(pair[1], count: 4 << 20)?.allSatisfy { $0 == 1 } == true)
        #expect(try reader.value(withinMilliseconds: 5_000))
    }

    @Test("closing drops what is queued and ends the writer thread, which a peer that never reads would hold")
    func closeEndsTheWriter() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        let outbox = HostedOutbox(fd: pair[0])
        for _ in 0..<16 { outbox.send([UInt8](repeating: 7, count: 256 << 10)) }
        // As a session ends: the socket is shut first, which frees the writer from its write.
        shutdown(pair[0], Int32(SHUT_RDWR))
        let closed = try Background("close") { () -> Bool in
            outbox.close()
            return true
        }
        #expect(try closed.value(withinMilliseconds: 5_000))
    }
}
