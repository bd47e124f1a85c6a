import Testing
import XousIPC

extension XousIPCSpec {
    /// A CID is a process-local slot number: Xous's `connection_map` holds 32 slots, CID = slot + 2.
    @Suite("Connections: CIDs 2 through 33, per process")
    struct ConnectionSpec {
        @Test("createServer connects its creator, and a later connect to that SID returns the same CID")
        func createServerConnectsItsCreator() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            #expect(owner.connectionCount == 0)
            let sid = try owner.createServer()
            #expect(owner.connectionCount == 1)
            let cid = try owner.tryConnect(sid)
            #expect((2...33).contains(cid))
            #expect(try promptly { try owner.connect(sid) } == cid)
            #expect(owner.connectionCount == 1)
        }

        @Test("connecting twice to one server returns the same CID and uses one slot")
        func connectTwiceSameCID() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let sid = try owner.createServer()
            let first = try promptly { try client.connect(sid) }
            let second = try promptly { try client.connect(sid) }
            let third = try client.tryConnect(sid)
            #expect(first == Kernel.firstCID)
            #expect(second == first)
            #expect(third == first)
            #expect(client.connectionCount == 1)
        }

        @Test("a process holds at most 32 connections, CIDs 2 through 33; the 33rd connect is OutOfMemory")
        func thirtyTwoConnectionsThenOutOfMemory() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            #expect(Kernel.maxConnections == 32)
            let ownerA = try kernel.createProcess(name: "owner-a")
            let ownerB = try kernel.createProcess(name: "owner-b")
            let client = try kernel.createProcess(name: "client")
            let sids = try (0..<32).map { _ throws(XousError) in try ownerA.createServer() }
            let extra = try ownerB.createServer()

            let cids = try sids.map { sid throws(XousError) in try client.tryConnect(sid) }
            #expect(Set(cids) == Set(2...33 as ClosedRange<CID>))
            #expect(client.connectionCount == 32)
            #expect(throws: XousError.outOfMemory) { try client.tryConnect(extra) }
            #expect(throws: XousError.outOfMemory) { try promptly { try client.connect(extra) } }
            #expect(client.connectionCount == 32)
            // Connections already held still resolve.
            #expect(try client.tryConnect(sids[31]) == cids[31])
        }

        @Test("with all 32 slots in use, connect is OutOfMemory at once even to a missing server; an existing connection is still returned")
        func fullTableIsCheckedBeforeTheServer() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            while client.connectionCount < Kernel.maxConnections { _ = try client.tryConnect(try owner.createServer()) }
            // Xous checks the table first: no parking for a server that may never come.
            let missing = try Background("connect") { try client.connect(SID.random()) }
            #expect(throws: XousError.outOfMemory) { try missing.value(withinMilliseconds: 1_000) }
            #expect(throws: XousError.outOfMemory) { try client.tryConnect(SID.random()) }
            #expect(try client.tryConnect(sid) == cid)
        }

        @Test("a process with all 32 slots in use cannot create a server: OutOfMemory")
        func fullTableCannotCreateServer() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            for _ in 0..<32 { _ = try owner.createServer() }
            #expect(owner.connectionCount == 32)
            let servers = kernel.serverCount
            #expect(throws: XousError.outOfMemory) { try owner.createServer() }
            #expect(kernel.serverCount == servers)
        }

        @Test("disconnect frees the slot: the old CID stops working and the next connect reuses it")
        func disconnectFreesTheSlot() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let first = try owner.createServer()
            let second = try owner.createServer()
            let third = try owner.createServer()
            let cidFirst = try client.tryConnect(first)
            let cidSecond = try client.tryConnect(second)
            #expect(cidFirst == 2)
            #expect(cidSecond == 3)

            try client.disconnect(cidFirst)
            #expect(client.connectionCount == 1)
            #expect(throws: XousError.serverNotFound) { try client.trySend(cidFirst, scalar(1)) }
            #expect(throws: XousError.serverNotFound) { try client.disconnect(cidFirst) }

            // Xous hands out the first free slot: CID 2 again, now naming the third server.
            let cidThird = try client.tryConnect(third)
            #expect(cidThird == cidFirst)
            try client.trySend(cidThird, scalar(42))
            #expect(try owner.tryReceive(third)?.id == 42)
            #expect(try queueIsEmpty(first, for: owner))
            #expect(try client.tryConnect(second) == cidSecond)
        }

        @Test("disconnecting CID 0, 1, 34 or a CID not in use is ServerNotFound",
              arguments: [0, 1, 34, 5, 33, CID.max] as [CID])
        func disconnectOfAnInvalidCID(_ cid: CID) throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let sid = try owner.createServer()
            let held = try client.tryConnect(sid)
            #expect(held == 2)
            #expect(throws: XousError.serverNotFound) { try client.disconnect(cid) }
            #expect(client.connectionCount == 1)
        }

        @Test("each process has its own table: CIDs for one server differ and disconnects are independent")
        func tablesArePerProcess() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let alice = try kernel.createProcess(name: "alice")
            let bob = try kernel.createProcess(name: "bob")
            let other = try owner.createServer()
            let shared = try owner.createServer()

            _ = try alice.tryConnect(other)
            let aliceCID = try alice.tryConnect(shared)
            let bobCID = try bob.tryConnect(shared)
            #expect(aliceCID == 3)
            #expect(bobCID == 2)

            try alice.disconnect(aliceCID)
            #expect(alice.connectionCount == 1)
            #expect(bob.connectionCount == 1)
            try bob.trySend(bobCID, scalar(7))
            #expect(try owner.tryReceive(shared)?.id == 7)
            // Bob's CID 2 is not Alice's: in Alice's table it is the other server.
            try alice.trySend(bobCID, scalar(8))
            #expect(try owner.tryReceive(other)?.id == 8)
            #expect(try queueIsEmpty(shared, for: owner))
        }

        @Test("connect parks until a server with that SID exists, then returns its CID")
        func connectWaitsForTheServer() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let sid = SID.random()
            let connecting = try Background("connect") { try client.connect(sid) }
            defer { _ = try? owner.createServer(sid: sid) }  // wakes it if the test stops early

            #expect(connecting.isStillBlocked())
            #expect(client.connectionCount == 0)
            // Another server appearing does not satisfy it.
            _ = try owner.createServer()
            #expect(connecting.isStillBlocked())

            #expect(try owner.createServer(sid: sid) == sid)
            let cid = try connecting.value()
            #expect(try client.tryConnect(sid) == cid)
            #expect(client.connectionCount == 1)
            try client.trySend(cid, scalar(5))
            #expect(try owner.tryReceive(sid)?.id == 5)
        }

        @Test("tryConnect to a SID with no server fails at once with ServerNotFound")
        func tryConnectFailsAtOnce() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let client = try kernel.createProcess(name: "client")
            let sid = SID.random()
            #expect(throws: XousError.serverNotFound) { try promptly { try client.tryConnect(sid) } }
            #expect(client.connectionCount == 0)
        }
    }
}
