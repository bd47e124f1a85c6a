import Testing
import XousIPC

extension XousIPCSpec {
    /// A server's queue: one page of 64 `QueuedMessage`s. A blocking message holds its slot
    /// until it is answered.
    @Suite("Queue: 64 slots per server")
    struct QueueSpec {
        @Test("a server queues 64 messages; the 65th trySend fails with ServerQueueFull")
        func sixtyFourThenFull() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            #expect(Kernel.queueSlots == 64)
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let sid = try owner.createServer()
            let cid = try client.tryConnect(sid)
            for id in 0..<64 { #expect(try client.trySend(cid, scalar(MessageID(id))) == .ok) }
            #expect(throws: XousError.serverQueueFull) { try client.trySend(cid, scalar(64)) }
            #expect(throws: XousError.serverQueueFull) { try promptly { try client.trySend(cid, blockingScalar(65)) } }
            #expect(throws: XousError.serverQueueFull) { try client.tryMove(cid, id: 66, Buffer(encoding: Reading.sample)) }

            // One receive makes room for exactly one more.
            #expect(try owner.tryReceive(sid)?.id == 0)
            #expect(try client.trySend(cid, scalar(67)) == .ok)
            #expect(throws: XousError.serverQueueFull) { try client.trySend(cid, scalar(68)) }
        }

        @Test("a blocking send to a full queue parks until the receiver has taken half the queue, then queues its message last")
        func sendParksOnFullQueue() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            for id in 0..<64 { try client.trySend(cid, scalar(MessageID(id))) }

            let sender = try Background("sender") { try client.send(cid, scalar(1_000)) }
            defer { try? owner.destroyServer(sid) }  // wakes it if the test stops early
            #expect(sender.isStillBlocked())

            // Woken for every freed slot, a sender that keeps the queue full would cost two
            // context switches per message; it is woken once half the queue is free instead.
            for id in 0..<31 { #expect(try owner.tryReceive(sid)?.id == MessageID(id)) }
            #expect(sender.isStillBlocked())
            #expect(try owner.tryReceive(sid)?.id == 31)
            #expect(try sender.value() == .ok)
            var order: [MessageID] = []
            while let envelope = try owner.tryReceive(sid) { order.append(envelope.id) }
            #expect(order == Array(32..<64) + [1_000])
        }

        @Test("a reply frees its slot for a parked sender at once, however full the queue")
        func replyWakesParkedSender() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let asker = try Background("asker") { try client.send(cid, blockingScalar(1)) }
            let question = try nextMessage(for: owner, on: sid)
            for id in 0..<63 { try client.trySend(cid, scalar(MessageID(100 + id))) }
            let sender = try Background("sender") { try client.send(cid, scalar(1_000)) }
            defer { try? owner.destroyServer(sid) }  // wakes it if the test stops early
            #expect(sender.isStillBlocked())

            try owner.returnScalar(question.sender, 7)
            #expect(try asker.value() == .scalar1(7))
            #expect(try sender.value() == .ok)
        }

        @Test("a received but unanswered BlockingScalar keeps its slot busy: only 63 further messages fit")
        func unansweredBlockingScalarHoldsItsSlot() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let asker = try Background("asker") { try client.send(cid, blockingScalar(1)) }
            let question = try nextMessage(for: owner, on: sid)
            defer { try? owner.returnScalar(question.sender, 0) }  // wakes it if the test stops early

            for id in 0..<63 { try client.trySend(cid, scalar(MessageID(100 + id))) }
            #expect(throws: XousError.serverQueueFull) { try client.trySend(cid, scalar(999)) }
            // Taking the queued messages frees their slots, not the one awaiting an answer.
            var drained = 0
            while try owner.tryReceive(sid) != nil { drained += 1 }
            #expect(drained == 63)
            for id in 0..<63 { try client.trySend(cid, scalar(MessageID(200 + id))) }
            #expect(throws: XousError.serverQueueFull) { try client.trySend(cid, scalar(999)) }

            try owner.returnScalar(question.sender, 7)
            #expect(try asker.value() == .scalar1(7))
            #expect(try client.trySend(cid, scalar(300)) == .ok)
            #expect(throws: XousError.serverQueueFull) { try client.trySend(cid, scalar(999)) }
        }
    }
}
