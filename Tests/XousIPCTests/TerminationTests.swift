import Testing
import XousIPC

extension XousIPCSpec {
    /// Process termination, with Xous's rules (hosted mode: the kernel terminates a process whose
    /// socket closed) and without its hazards: nobody is left parked.
    @Suite("Process termination: servers, tombstones, parked threads")
    struct TerminationSpec {
        @Test("the terminated process's servers are destroyed; other processes' connections to them become tombstones")
        func serversGoConnectionsStay() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let servers = kernel.serverCount
            let processes = kernel.processCount
            let slots = client.connectionCount
            owner.terminate()
            #expect(owner.isTerminated)
            #expect(kernel.serverCount == servers - 1)
            #expect(kernel.processCount == processes - 1)
            // A send on the tombstone fails at once; the slot stays taken until disconnected.
            #expect(throws: XousError.serverNotFound) { try client.trySend(cid, scalar(1)) }
            #expect(throws: XousError.serverNotFound) { try client.send(cid, blockingScalar(1)) }
            #expect(client.connectionCount == slots)
            #expect(throws: XousError.serverNotFound) { try client.tryConnect(sid) }

            // The SID made again (by a restarted process): a connect gets a new CID, never the tombstone's.
            let restarted = try kernel.createProcess(name: "owner again")
            _ = try restarted.createServer(sid: sid)
            let fresh = try client.tryConnect(sid)
            #expect(fresh != cid)
            #expect(throws: XousError.serverNotFound) { try client.trySend(cid, scalar(1)) }
            try client.trySend(fresh, scalar(2))
            #expect(try restarted.tryReceive(sid)?.id == 2)

            // Disconnecting the tombstone frees its slot, and the next connection may have the number.
            try client.disconnect(cid)
            #expect(client.connectionCount == slots)
            #expect(throws: XousError.serverNotFound) { try client.disconnect(cid) }
        }

        @Test("senders parked on the dead process's servers wake with ServerNotFound: queued, being served, on a full queue, and lenders")
        func parkedSendersWake() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let other = try kernel.createProcess(name: "other")
            let otherCID = try other.tryConnect(sid)
            // One BlockingScalar being served (received, unanswered), one queued, one lend queued.
            let served = try Background("served") { try client.send(cid, blockingScalar(1)) }
            let held = try nextMessage(for: owner, on: sid)
            let queued = try Background("queued") { try other.send(otherCID, blockingScalar(2)) }
            let lender = try Background("lender") { () throws -> XousResult in
                var buffer = Buffer(encoding: Reading.sample)
                return try other.lendMutable(otherCID, id: 3, &buffer)
            }
            #expect(queued.isStillBlocked())
            #expect(served.isStillBlocked(afterMilliseconds: 20))
            #expect(lender.isStillBlocked(afterMilliseconds: 20))
            owner.terminate()
            #expect(throws: XousError.serverNotFound) { try served.value() }
            #expect(throws: XousError.serverNotFound) { try queued.value() }
            #expect(throws: XousError.serverNotFound) { try lender.value() }
            // The dead process's late answer goes nowhere.
            #expect(throws: XousError.processTerminated) { try owner.returnScalar(held.sender, 1) }
            _ = consume held
        }

        @Test("a sender parked on the dead process's full queue wakes with ServerNotFound")
        func fullQueueSenderWakes() throws {
            let (kernel, owner, client, _, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            for index in 0..<Kernel.queueSlots { try client.trySend(cid, scalar(MessageID(index))) }
            let parked = try Background("parked") { try client.send(cid, scalar(99)) }
            #expect(parked.isStillBlocked())
            owner.terminate()
            #expect(throws: XousError.serverNotFound) { try parked.value() }
        }

        @Test("the dead process's own threads parked in the kernel wake: receive, a reply, a full queue, a connect")
        func ownThreadsWake() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let clientSID = try client.createServer()
            let ownerToClient = try owner.tryConnect(clientSID)
            let receiving = try Background("receiving") { _ = try owner.receive(sid) }
            let waitingForReply = try Background("reply") { try owner.send(ownerToClient, blockingScalar(1)) }
            let connecting = try Background("connect") { try owner.connect(SID.random()) }
            let served = try nextMessage(for: client, on: clientSID)
            #expect(receiving.isStillBlocked())
            #expect(waitingForReply.isStillBlocked(afterMilliseconds: 20))
            #expect(connecting.isStillBlocked(afterMilliseconds: 20))
            owner.terminate()
            #expect(throws: XousError.serverNotFound) { try receiving.value() }
            #expect(throws: XousError.processTerminated) { try waitingForReply.value() }
            #expect(throws: XousError.processTerminated) { try connecting.value() }
            // Its message stays with the server, whose answer reaches nobody: ProcessNotFound, slot freed.
            #expect(throws: XousError.processNotFound) { try client.returnScalar(served.sender, 1) }
            #expect(throws: XousError.doubleFree) { try client.returnScalar(served.sender, 1) }
            try client.destroyServer(clientSID)
            _ = cid
        }

        @Test("every later call made as the terminated process fails with ProcessTerminated, and its connections are released")
        func laterCallsFail() throws {
            let (kernel, owner, _, sid, _) = try ownerAndClient()
            defer { kernel.shutdown() }
            owner.terminate()
            owner.terminate()  // idempotent
            #expect(owner.connectionCount == 0)
            #expect(throws: XousError.processTerminated) { try owner.createServer() }
            #expect(throws: XousError.processTerminated) { try owner.tryConnect(nameServerSID) }
            #expect(throws: XousError.processTerminated) { _ = try owner.tryReceive(sid) }
            #expect(throws: XousError.processTerminated) { try owner.registerName("ghost") }
        }

        @Test("a terminated process's PID is free again, and its old handle cannot act as the new process")
        func pidReuse() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let first = try kernel.createProcess(name: "first")
            let pid = first.pid
            first.terminate()
            let second = try kernel.createProcess(name: "second")
            #expect(second.pid == pid)
            let sid = try second.createServer()
            #expect(throws: XousError.processTerminated) { _ = try first.tryReceive(sid) }
            #expect(throws: XousError.processTerminated) { try first.destroyServer(sid) }
            #expect(try queueIsEmpty(sid, for: second))
        }

        @Test("the kernel holds 32 process slots as hosted Xous does: PID 1 its own, so 31 processes, the name server's included")
        func processLimit() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            #expect(Kernel.maxProcesses == 32)
            #expect(kernel.processCount == 1)
            var made: [XousProcess] = []
            for index in 0..<30 { made.append(try kernel.createProcess(name: "p\(index)")) }
            #expect(Set(made.map(\.pid)).count == 30)
            #expect(made.allSatisfy { $0.pid >= 2 && $0.pid <= 32 })
            #expect(throws: XousError.outOfMemory) { try kernel.createProcess(name: "one too many") }
            made[7].terminate()
            #expect(try kernel.createProcess(name: "in its place").pid == made[7].pid)
        }
    }
}
