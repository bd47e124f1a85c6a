#if canImport(Glibc)
import Glibc
#endif
import enum TestHarness.ProcessWide
import Testing
@testable import XousIPC

/// A hosted kernel on a free loopback port and processes joined to it over TCP, all in the test's
/// OS process: the same syscalls as the embedded tests, through frames.
final class HostedRig: @unchecked Sendable {
    let host: HostedKernel

    init() throws {
        host = try HostedKernel()
        host.log = { _ in }
        try host.start()
    }

    func join(_ name: String) throws -> XousProcess {
        let (pid, key) = try host.admit(name: name)
        let environment = try HostedEnvironment(environment: [
            "XOUS_SERVER": host.address, "XOUS_PID": String(pid), "XOUS_PROCESS_KEY": HostedEnvironment.hex(key),
        ])
        return try XousProcess.joinHosted(environment, name: name)
    }

    /// Two joined processes: `owner` with a server, `client` connected to it.
    func ownerAndClient() throws -> (owner: XousProcess, client: XousProcess, sid: SID, cid: CID) {
        let owner = try join("owner")
        let client = try join("client")
        let sid = try owner.createServer()
        return (owner, client, sid, try client.connect(sid))
    }

    deinit { host.stop() }
}

@Suite("Hosted mode: the model's syscalls over TCP frames")
struct HostedModeTests {
    @Test("a scalar, a blocking scalar and a mutable lend cross between two hosted processes")
    func messagesCross() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let rig = try HostedRig()
        let (owner, client, sid, cid) = try rig.ownerAndClient()
        #expect(owner.isHosted && owner.pid != client.pid)
        let served = try Background("server") { () -> [UInt] in
            var seen: [UInt] = []
            for _ in 0..<3 {
                var envelope = try owner.receive(sid)
                seen.append(envelope.id)
                switch envelope.kind {
                case .blockingScalar:
                    try owner.returnScalar2(envelope.sender, envelope.scalar!.arg1 + 1, 7)
                case .mutableBorrow:
                    let text = try envelope.decode(String.self)
                    try envelope.reply(encoding: text.uppercased())
                default:
                    break
                }
            }
            return seen
        }
        try client.send(cid, .scalar(ScalarMessage(id: 1, 9)))
        #expect(try client.send(cid, .blockingScalar(ScalarMessage(id: 2, 41))) == .scalar2(42, 7))
        var buffer = Buffer(encoding: "hello, hosted world")
        try client.lendMutable(cid, id: 3, &buffer)
        #expect(try buffer.decode(String.self) == "HELLO, HOSTED WORLD")
        #expect(try served.value(withinMilliseconds: 5_000) == [1, 2, 3])
    }

    // Found by fuzz-hosted in CI: a ReturnScalar whose sender word names server 255 indexed past
    // the kernel's 128-entry table and killed the kernel.
    @Test("an answer to a made-up sender word (a server byte past the table, a slot past the queue) is refused and the kernel goes on")
    func madeUpSenderWords() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let rig = try HostedRig()
        let (owner, client, sid, cid) = try rig.ownerAndClient()
        for word: UInt in [0xFFFF_FFFF, UInt(owner.pid) << 24 | 0xFF << 16, UInt(owner.pid) << 24 | 0x80 << 16, 0x0000_FFFF] {
            #expect(throws: XousError.self) { try owner.returnScalar(MessageSender(data: word), 1) }
            #expect(throws: XousError.self) { try owner.returnScalar5(MessageSender(data: word), 1, 2, 3, 4, 5) }
        }
        let kernel = Kernel()
        defer { kernel.shutdown() }
        let embedded = try kernel.createProcess(name: "embedded")
        #expect(throws: XousError.serverNotFound) { try embedded.returnScalar(MessageSender(data: 0x01FF_0000), 1) }

        let answered = try Background("server") { () -> UInt in
            let envelope = try owner.receive(sid)
            try owner.returnScalar(envelope.sender, 99)
            return envelope.id
        }
        #expect(try client.send(cid, .blockingScalar(ScalarMessage(id: 4))) == .scalar1(99))
        #expect(try answered.value(withinMilliseconds: 5_000) == 4)
    }

    @Test("a receive with a deadline is the embedded kernel's alone: hosted, it is UnhandledSyscall")
    func noTimedReceiveHosted() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let rig = try HostedRig()
        let owner = try rig.join("owner")
        let sid = try owner.createServer()
        #expect(throws: XousError.unhandledSyscall) { _ = try owner.receive(sid, until: .now)?.id }
    }

    // The kernel hands a message to a waiting receiver from the sender's own connection thread
    // (no kernel thread waits per receive): a write that waited on the receiver's socket would let
    // a peer that stops reading stall every process that sends to it.
    @Test("a process that stops reading its answers holds up nobody else: a 12 MB Move to it is answered at once")
    func stalledReaderHoldsUpNobody() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let rig = try HostedRig()
        let sender = try rig.join("sender")
        let (pid, key) = try rig.host.admit(name: "stalled")
        let fd = try TCPSocket.connect(to: rig.host.address)
        defer { close(fd) }
        #expect(key.withUnsafeBytes { TCPSocket.write(fd, $0) })
        #expect(TCPSocket.read(fd, count: 1) == [pid])
        func call(_ frame: HostedFrame) throws -> HostedFrame {
            #expect(frame.bytes.withUnsafeBytes { TCPSocket.write(fd, $0) })
            let answer = try #require(TCPSocket.read(fd, count: HostedFrame.size))
            return try answer.withUnsafeBytes { raw throws -> HostedFrame in try HostedFrame(bytes: raw) }
        }
        let tid = try call(HostedFrame(tid: HostedPort.firstTemporaryTID, syscall: .createThread))[argument: 1]
        let created = try call(HostedFrame(tid: tid, syscall: .createServer))
        let sid = try #require(SID(frameWords: created.words[1...4]))
        // From here on the peer reads nothing, with room for a few kilobytes at most.
        var small: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        #expect(HostedFrame(tid: tid, syscall: .receiveMessage, sid.frameWords).bytes.withUnsafeBytes { TCPSocket.write(fd, $0) })
        usleep(50_000)

        let cid = try sender.connect(sid)
        let moved = try Background("mover") { () throws -> Bool in
            try sender.tryMove(cid, id: 1, Buffer(byteCount: 12 << 20))
            // And the sender's connection goes on serving it.
            _ = try sender.createServer()
            return true
        }
        #expect(try moved.value(withinMilliseconds: 3_000))
    }

    @Test("a process whose connection closes is torn down: its parked senders hear ServerNotFound")
    func closingEndsTheProcess() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let rig = try HostedRig()
        let (owner, client, _, cid) = try rig.ownerAndClient()
        let waiting = try Background("sender") { try client.send(cid, .blockingScalar(ScalarMessage(id: 5))) }
        usleep(100_000)
        owner.terminate()
        #expect(throws: XousError.serverNotFound) { try waiting.value(withinMilliseconds: 5_000) }
        #expect(throws: XousError.serverNotFound) { try client.send(cid, .scalar(ScalarMessage(id: 6))) }
    }

    @Test("the name server runs as a hosted process and brokers a connection without the SID")
    func namesOverTCP() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let rig = try HostedRig()
        let names = try rig.join("xous-names")
        let serving = try Background("names") { try NameServer.serve(on: names) }
        let server = try rig.join("server")
        let client = try rig.join("client")
        let sid = try server.registerName("hosted-svc", maxConnections: nil)
        let cid = try client.requestConnectionBlocking("hosted-svc")
        let echo = try Background("echo") { () -> UInt in
            let envelope = try server.receive(sid)
            try server.returnScalar(envelope.sender, envelope.scalar!.arg1 * 2)
            return envelope.id
        }
        #expect(try client.send(cid, .blockingScalar(ScalarMessage(id: 77, 21))) == .scalar1(42))
        #expect(try echo.value(withinMilliseconds: 5_000) == 77)
        names.terminate()
        _ = try? serving.value(withinMilliseconds: 5_000)
    }
}
