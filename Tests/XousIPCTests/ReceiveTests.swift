#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import XousIPC
import SystemSupport

extension XousIPCSpec {
    /// `receive_message`: a server's owner takes its messages in order, parking while there are none.
    @Suite("Receiving: owner only, FIFO, parked without CPU")
    struct ReceiveSpec {
        @Test("only the owning process may receive; any other gets ServerNotFound at once")
        func onlyTheOwnerReceives() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let stranger = try kernel.createProcess(name: "stranger")
            let sid = try owner.createServer()
            let cid = try stranger.tryConnect(sid)
            try stranger.trySend(cid, scalar(3))

            // Even connected, and with a message waiting, a non-owner cannot take it.
            #expect(throws: XousError.serverNotFound) { _ = try stranger.tryReceive(sid) }
            #expect(throws: XousError.serverNotFound) { try promptly { _ = try stranger.receive(sid) } }
            #expect(throws: XousError.serverNotFound) { _ = try owner.tryReceive(SID.random()) }
            #expect(try owner.tryReceive(sid)?.id == 3)
        }

        // The net server's main loop waits for its simulated source's next state this way.
        @Test("a receive with a deadline parks until it, returns nil then, and takes a message that comes first")
        func receiveUntilADeadline() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let sid = try owner.createServer()
            let start = MonotonicInstant.now
            #expect(try owner.receive(sid, until: start.adding(milliseconds: 50))?.id == nil)
            let waited = MonotonicInstant.now.nanoseconds(since: start)
            #expect(waited >= 50_000_000 && waited < 2_000_000_000, "returned after \(waited) ns")

            let sender = try kernel.createProcess(name: "sender")
            let cid = try sender.tryConnect(sid)
            let sending = try Background("sender") { () -> Bool in
                usleep(20_000)
                try sender.trySend(cid, scalar(8))
                return true
            }
            let received = try owner.receive(sid, until: MonotonicInstant.now.adding(milliseconds: 10_000))?.id
            #expect(received == 8)
            #expect(try sending.value(withinMilliseconds: 5_000))
            #expect(try owner.receive(sid, until: .now)?.id == nil)
        }

        @Test("tryReceive returns nil when the queue is empty")
        func tryReceiveOnEmptyQueue() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let sid = try owner.createServer()
            #expect(try queueIsEmpty(sid, for: owner))
            try owner.trySend(try owner.tryConnect(sid), scalar(1))
            #expect(try owner.tryReceive(sid)?.id == 1)
            #expect(try queueIsEmpty(sid, for: owner))
        }

        @Test("messages are received in the order they were sent, over 1,000 messages and many refills")
        func fifoOrder() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            var sent: MessageID = 0
            var received: [MessageID] = []
            // Fill the queue, then drain it a varying amount, so that the ring wraps many times.
            var rounds = 0
            while sent < 1_000 {
                while sent < 1_000, (try? client.trySend(cid, scalar(sent))) != nil { sent += 1 }
                for _ in 0..<(rounds % 7 + 20) {
                    guard let envelope = try owner.tryReceive(sid) else { break }
                    received.append(envelope.id)
                }
                rounds += 1
            }
            while let envelope = try owner.tryReceive(sid) { received.append(envelope.id) }
            #expect(rounds > 30)
            #expect(received.count == 1_000)
            #expect(received == Array(0..<1_000), "first out of order at \(received.indices.first { received[$0] != MessageID($0) } ?? -1)")
        }

        @Test("a received message carries its kind, opcode, four words and the sender's PID")
        func envelopeContents() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            try client.trySend(cid, scalar(0x1234, 1, UInt.max, 3, 0xFFFF_0000))
            let envelope = try nextMessage(for: owner, on: sid)
            #expect(envelope.kind == .scalar)
            #expect(envelope.isBlocking == false)
            #expect(envelope.id == 0x1234)
            #expect(envelope.scalar == ScalarMessage(id: 0x1234, 1, UInt.max, 3, 0xFFFF_0000))
            #expect(envelope.scalar?.args == [1, UInt.max, 3, 0xFFFF_0000])
            #expect(envelope.sender.pid == client.pid)
            #expect(envelope.sender.data >> 24 == UInt(client.pid))
            #expect(envelope.offset == 0)
            #expect(envelope.valid == 0)
            #expect(envelope.withMemory { $0.count } == nil)
        }

        @Test("a thread parked in receive uses no CPU while it waits, and wakes with the message")
        func parkedReceiverUsesNoCPU() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let receiver = try Background("receiver") { () throws -> (cpu: UInt64, wall: UInt64, id: MessageID) in
                let wallStart = MonotonicInstant.now
                let cpuStart = threadCPUNanoseconds()
                let envelope = try owner.receive(sid)
                let cpu = threadCPUNanoseconds() - cpuStart
                return (cpu, MonotonicInstant.now.nanoseconds(since: wallStart), envelope.id)
            }
            defer { try? owner.destroyServer(sid) }  // wakes it if the test stops early

            usleep(300_000)
            #expect(!receiver.hasReturned)
            try client.trySend(cid, scalar(77))
            let (cpu, wall, id) = try receiver.value()
            #expect(id == 77)
            #expect(wall >= 250_000_000, "the receive returned after \(wall / 1_000_000) ms, before the message was sent")
            #expect(cpu < 20_000_000, "the parked receiver used \(cpu / 1_000) µs of CPU")
        }
    }
}
