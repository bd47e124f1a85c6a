#if canImport(Glibc)
import Glibc
#endif
import BrokerProcess
import TestHarness
import Testing
@testable import XousIPC

/// The worked examples of Xous's hosted-mode protocol, as the real xous-core kernel answers them
/// (observed on it), asserted frame for frame against our `xous-kernel`. Set
/// `XOUS_KERNEL_UNDER_TEST` to another kernel binary (the real one) to check the expectations
/// themselves; the README records that run.
@Suite("Hosted mode: our kernel answers the protocol's worked examples as the real one does", .serialized)
struct HostedConformanceTests {
    /// A kernel with one placeholder process, and a raw connection that is that process.
    final class RawProcess: @unchecked Sendable {
        let kernel: ChildProcess
        let fd: Int32
        let directory: String

        init() throws {
            let binary = ProcessInfoLite.environment("XOUS_KERNEL_UNDER_TEST") ?? GatewayProcess.binary("xous-kernel")
            var template = Array("/tmp/xous-conformance-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw MosquittoBroker.Failure(description: "mkdtemp failed") }
            directory = String(cString: made)
            kernel = ChildProcess(pid: try MosquittoBroker.spawn(
                [binary, "env | grep ^XOUS_ > \(directory)/probe.env; exec sleep 15"], output: directory + "/kernel.log"))
            let environment = try HostedSetTests.environment(directory + "/probe.env")
            let (fd, accepted) = try HostedSetTests.handshake(environment)
            guard accepted else { throw MosquittoBroker.Failure(description: "the kernel refused the probe's key") }
            self.fd = fd
        }

        deinit {
            close(fd)
            kernel.kill(SIGTERM)
            if kernel.waitForExit(timeout: 2) == nil { kernel.kill(SIGKILL) }
            for name in ["probe.env", "kernel.log"] { unlink(directory + "/" + name) }
            rmdir(directory)
        }

        /// Sends a request (and its payload) and reads `answers` answers, with their bytes.
        func exchange(_ request: HostedFrame, payload: [UInt8] = [], answers: Int = 1, lend: Int = 0) -> [(frame: HostedFrame, bytes: [UInt8])] {
            HostedSetTests.send(fd, [request], payload: payload)
            return read(answers, lend: lend)
        }

        func read(_ count: Int, lend: Int = 0) -> [(frame: HostedFrame, bytes: [UInt8])] {
            (0..<count).compactMap { _ in
                guard let raw = TCPSocket.read(fd, count: HostedFrame.size),
                      let frame = raw.withUnsafeBytes({ try? HostedFrame(bytes: $0) }) else { return nil }
                var length = 0
                if frame.first == ResultTag.messageEnvelope.rawValue, frame[argument: 2] <= 2 { length = Int(frame[argument: 5]) }
                if frame.first == ResultTag.memoryReturned.rawValue { length = lend }
                return (frame, TCPSocket.read(fd, count: length) ?? [])
            }
        }
    }

    static let specServer = SID(bytes: Array("spec-server-AAAA".utf8))!

    @Test("thread ids, process id, a server at a chosen address, None, RetryCall, errors, MapMemory")
    func simpleCalls() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let probe = try RawProcess()
        #expect(probe.exchange(HostedFrame(tid: 65_536, syscall: .createThread)).map(\.frame) == [HostedFrame(tid: 65_536, [10, 2])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .getProcessID)).map(\.frame) == [HostedFrame(tid: 2, [11, 2])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .getThreadID)).map(\.frame) == [HostedFrame(tid: 2, [10, 2])])
        let sid = Self.specServer.frameWords
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .createServerWithAddress, sid)).map(\.frame)
                == [HostedFrame(tid: 2, [8] + sid + [2])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .tryReceiveMessage, sid)).map(\.frame) == [HostedFrame(tid: 2, [17])])
        let missing = SID(bytes: Array("no-such-server!!".utf8))!.frameWords
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .connect, missing)).map(\.frame) == [HostedFrame(tid: 2, [16])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .tryConnect, missing)).map(\.frame) == [HostedFrame(tid: 2, [1, 9])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .connect, sid)).map(\.frame) == [HostedFrame(tid: 2, [7, 2])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .disconnect, [9])).map(\.frame) == [HostedFrame(tid: 2, [1, 9])])
        #expect(probe.exchange(HostedFrame(tid: 2, [99])).map(\.frame) == [HostedFrame(tid: 2, [1, 17])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .mapMemory, [0, 0, 8192, 6])).map(\.frame)
                == [HostedFrame(tid: 2, [3, 0x6000_0000, 8192])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .unmapMemory, [0x6000_0000, 8192])).map(\.frame) == [HostedFrame(tid: 2, [0])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .destroyServer, sid)).map(\.frame) == [HostedFrame(tid: 2, [0])])
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .destroyServer, sid)).map(\.frame) == [HostedFrame(tid: 2, [1, 9])])
    }

    @Test("a Scalar, a BlockingScalar answered with ReturnScalar2, and a MutableBorrow returned, to the probe's own server")
    func messages() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let probe = try RawProcess()
        _ = probe.exchange(HostedFrame(tid: 65_536, syscall: .createThread))
        _ = probe.exchange(HostedFrame(tid: 65_537, syscall: .createThread))  // TID 3
        let sid = Self.specServer.frameWords
        _ = probe.exchange(HostedFrame(tid: 2, syscall: .createServerWithAddress, sid))
        // Scalar: Ok to the sender; the envelope carries sender word, kind 3, id and the four words.
        #expect(probe.exchange(HostedFrame(tid: 2, syscall: .sendMessage, [2, 4, 0x13, 1, 2, 3, 4])).map(\.frame) == [HostedFrame(tid: 2, [0])])
        // Sender words: PID 2, server 0; the queue slot is the kernel's business.
        let scalar = try #require(probe.exchange(HostedFrame(tid: 2, syscall: .receiveMessage, sid)).first?.frame)
        #expect(scalar.tid == 2 && scalar[argument: 1] & 0xffff_0000 == 0x0200_0000)
        #expect(Array(scalar.words[0...0] + scalar.words[2...7]) == [9, 3, 0x13, 1, 2, 3, 4])
        // BlockingScalar from TID 3: no answer until the server replies.
        HostedSetTests.send(probe.fd, [HostedFrame(tid: 3, syscall: .sendMessage, [2, 5, 0x14, 10, 20, 30, 40])])
        let blocking = try #require(probe.exchange(HostedFrame(tid: 2, syscall: .receiveMessage, sid)).first?.frame)
        #expect(blocking.tid == 2 && blocking[argument: 1] & 0xffff_0000 == 0x0200_0000)
        #expect(Array(blocking.words[0...0] + blocking.words[2...7]) == [9, 4, 0x14, 10, 20, 30, 40])
        let sender = blocking[argument: 1]
        let replied = Set(probe.exchange(HostedFrame(tid: 2, syscall: .returnScalar2, [sender, 0xaaaa, 0xbbbb]), answers: 2).map(\.frame))
        #expect(replied == [HostedFrame(tid: 3, [15, 0xaaaa, 0xbbbb]), HostedFrame(tid: 2, [0])])
        // MutableBorrow of one page holding "hello", offset 0, valid 5.
        var page = [UInt8](repeating: 0, count: 4096)
        page.replaceSubrange(0..<5, with: Array("hello".utf8))
        HostedSetTests.send(probe.fd, [HostedFrame(tid: 3, syscall: .sendMessage, [2, 1, 0x77, 0x10000, 4096, 0, 5])], payload: page)
        let lent = probe.exchange(HostedFrame(tid: 2, syscall: .receiveMessage, sid))
        let envelope = try #require(lent.first)
        // The address word is the kernel's own token (the real one's heap pointer): not compared.
        #expect(envelope.frame.tid == 2 && envelope.frame[argument: 1] & 0xffff_0000 == 0x0200_0000)
        #expect(Array(envelope.frame.words[0...0] + envelope.frame.words[2...3] + envelope.frame.words[5...7]) == [9, 0, 0x77, 4096, 0, 5])
        #expect(envelope.bytes == page)
        var upper = page
        upper.replaceSubrange(0..<5, with: Array("HELLO".utf8))
        HostedSetTests.send(probe.fd, [HostedFrame(tid: 2, syscall: .returnMemory, [envelope.frame[argument: 1], 0x1234, 4096, 0, 5])], payload: upper)
        let returned = probe.read(2, lend: 4096)
        #expect(Set(returned.map(\.frame)) == [HostedFrame(tid: 3, [18, 0, 5]), HostedFrame(tid: 2, [0])])
        #expect(returned.first { $0.frame.tid == 3 }?.bytes == upper)
    }
}

/// The one environment variable a test reads, without Foundation.
enum ProcessInfoLite {
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }
}
