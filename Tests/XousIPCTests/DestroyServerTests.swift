import Testing
import XousIPC

extension XousIPCSpec {
    /// `destroy_server`: only the owner, only with no answer owed; everyone waiting on the server
    /// is woken with ServerNotFound and every connection to it is cut.
    @Suite("destroyServer: who may, and who is woken")
    struct DestroyServerSpec {
        @Test("only the owner may destroy a server; anyone else gets ServerNotFound and the server lives on")
        func onlyTheOwner() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            #expect(throws: XousError.serverNotFound) { try client.destroyServer(sid) }
            #expect(throws: XousError.serverNotFound) { try client.destroyServer(nameServerSID) }
            #expect(kernel.serverCount == 2)
            try client.trySend(cid, scalar(1))
            #expect(try owner.tryReceive(sid)?.id == 1)

            try owner.destroyServer(sid)
            #expect(kernel.serverCount == 1)
            #expect(throws: XousError.serverNotFound) { try owner.destroyServer(sid) }
        }

        @Test("while a received BlockingScalar is unanswered destroyServer fails with ServerQueueFull; after the answer it succeeds")
        func notWhileAnAnswerIsOwed() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let asker = try Background("asker") { try client.send(cid, blockingScalar(1)) }
            let question = try nextMessage(for: owner, on: sid)
            defer { try? owner.returnScalar(question.sender, 0) }

            #expect(throws: XousError.serverQueueFull) { try owner.destroyServer(sid) }
            #expect(kernel.serverCount == 2)
            #expect(asker.isStillBlocked(afterMilliseconds: 20))
            try owner.returnScalar(question.sender, 3)
            #expect(try asker.value() == .scalar1(3))
            try owner.destroyServer(sid)
            #expect(kernel.serverCount == 1)
        }

        @Test("while a received Borrow is held destroyServer fails with ServerQueueFull; once it is dropped it succeeds")
        func notWhileABorrowIsHeld() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let lender = try Background("lender") { try client.lend(cid, id: 1, Buffer(encoding: Reading.sample)) }
            let loan = try nextMessage(for: owner, on: sid)
            #expect(throws: XousError.serverQueueFull) { try owner.destroyServer(sid) }
            _ = consume loan
            #expect(try lender.value() == .memoryReturned(offset: Reading.sample.encoded().count, valid: 4_096))
            try owner.destroyServer(sid)
        }

        @Test("queued Scalars and Moves are dropped: a server made again with the SID starts empty")
        func queuedMessagesAreDropped() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            for id in 1...5 { try client.trySend(cid, scalar(MessageID(id))) }
            try client.tryMove(cid, id: 6, Buffer(encoding: Reading.sample))

            try owner.destroyServer(sid)
            #expect(try owner.createServer(sid: sid) == sid)
            #expect(try queueIsEmpty(sid, for: owner))
            // The rebuilt server fills its 64 slots: none is still taken by a dropped message.
            let newCID = try client.tryConnect(sid)
            for id in 0..<64 { try client.trySend(newCID, scalar(MessageID(id))) }
            #expect(throws: XousError.serverQueueFull) { try client.trySend(newCID, scalar(64)) }
        }

        @Test("a sender parked on a queued BlockingScalar is woken with ServerNotFound")
        func parkedBlockingScalarSenderIsWoken() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let asker = try Background("asker") { try client.send(cid, blockingScalar(1)) }
            #expect(asker.isStillBlocked())
            try owner.destroyServer(sid)
            #expect(throws: XousError.serverNotFound) { try asker.value() }
        }

        @Test("a lender parked on a queued Borrow or MutableBorrow is woken with ServerNotFound")
        func parkedLendersAreWoken() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let lender = try Background("lender") { try client.lend(cid, id: 1, Buffer(encoding: Reading.sample)) }
            let mutableLender = try Background("mut-lender") { () throws -> XousResult in
                var buffer = Buffer(encoding: Reading.sample)
                return try client.lendMutable(cid, id: 2, &buffer)
            }
            #expect(lender.isStillBlocked())
            #expect(mutableLender.isStillBlocked(afterMilliseconds: 0))
            try owner.destroyServer(sid)
            #expect(throws: XousError.serverNotFound) { try lender.value() }
            #expect(throws: XousError.serverNotFound) { try mutableLender.value() }
        }

        @Test("a sender parked on a full queue is woken with ServerNotFound")
        func senderParkedOnAFullQueueIsWoken() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            for id in 0..<64 { try client.trySend(cid, scalar(MessageID(id))) }
            let sender = try Background("sender") { try client.send(cid, scalar(64)) }
            let mover = try Background("mover") { try client.move(cid, id: 65, Buffer(encoding: Reading.sample)) }
            #expect(sender.isStillBlocked())
            #expect(mover.isStillBlocked(afterMilliseconds: 0))
            try owner.destroyServer(sid)
            #expect(throws: XousError.serverNotFound) { try sender.value() }
            #expect(throws: XousError.serverNotFound) { try mover.value() }
        }

        @Test("a thread parked in receive on the server is woken with ServerNotFound")
        func parkedReceiverIsWoken() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let sid = try owner.createServer()
            let receiver = try Background("receiver") { () throws -> MessageID in try owner.receive(sid).id }
            #expect(receiver.isStillBlocked())
            try owner.destroyServer(sid)
            #expect(throws: XousError.serverNotFound) { try receiver.value() }
        }

        @Test("every process's connections to the server are cut: counts drop and sends on the old CIDs are ServerNotFound")
        func connectionsAreCleared() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let alice = try kernel.createProcess(name: "alice")
            let bob = try kernel.createProcess(name: "bob")
            let keep = try owner.createServer()
            let doomed = try owner.createServer()
            let aliceKeep = try alice.tryConnect(keep)
            let aliceDoomed = try alice.tryConnect(doomed)
            let bobDoomed = try bob.tryConnect(doomed)
            let ownerDoomed = try owner.tryConnect(doomed)
            #expect((owner.connectionCount, alice.connectionCount, bob.connectionCount) == (2, 2, 1))

            try owner.destroyServer(doomed)
            #expect((owner.connectionCount, alice.connectionCount, bob.connectionCount) == (1, 1, 0))
            #expect(throws: XousError.serverNotFound) { try alice.trySend(aliceDoomed, scalar(1)) }
            #expect(throws: XousError.serverNotFound) { try bob.trySend(bobDoomed, scalar(1)) }
            #expect(throws: XousError.serverNotFound) { try promptly { try owner.send(ownerDoomed, scalar(1)) } }
            #expect(throws: XousError.serverNotFound) { try bob.disconnect(bobDoomed) }
            try alice.trySend(aliceKeep, scalar(2))
            #expect(try owner.tryReceive(keep)?.id == 2)
        }

        @Test("after destroyServer the SID is gone: tryConnect and receive are ServerNotFound")
        func sidIsGone() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let sid = try owner.createServer()
            try owner.destroyServer(sid)
            #expect(throws: XousError.serverNotFound) { try promptly { try client.tryConnect(sid) } }
            #expect(throws: XousError.serverNotFound) { try promptly { try owner.tryConnect(sid) } }
            #expect(throws: XousError.serverNotFound) { _ = try owner.tryReceive(sid) }
            #expect(throws: XousError.serverNotFound) { try promptly { _ = try owner.receive(sid) } }
            #expect(client.connectionCount == 0)
        }
    }
}
