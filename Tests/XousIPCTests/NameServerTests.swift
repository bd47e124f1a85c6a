import Testing
import XousIPC

extension XousIPCSpec {
    /// `xous-names`: servers register a name; clients ask for a connection by name and get a CID,
    /// never the SID.
    @Suite("Name server: register, request, limits")
    struct NameServerSpec {
        @Test("registering a name creates a server owned by the registrant, which receives what others send it")
        func registrantOwnsTheServer() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "gfx")
            let client = try kernel.createProcess(name: "client")
            let servers = kernel.serverCount
            let sid = try promptly { try owner.registerName("graphics-server") }
            #expect(kernel.serverCount == servers + 1)
            #expect(sid != nameServerSID)
            #expect(try queueIsEmpty(sid, for: owner))

            let cid = try promptly { try client.requestConnection("graphics-server") }
            try client.trySend(cid, scalar(12, 34))
            let message = try nextMessage(for: owner, on: sid)
            #expect(message.id == 12)
            #expect(message.scalar?.arg1 == 34)
            #expect(message.sender.pid == client.pid)
            // The client holds a connection, not the server.
            #expect(throws: XousError.serverNotFound) { _ = try client.tryReceive(sid) }
            #expect(throws: XousError.serverNotFound) { try client.destroyServer(sid) }
        }

        @Test("a name that is already registered is refused with InternalError, whoever asks")
        func duplicateName() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let first = try kernel.createProcess(name: "first")
            let second = try kernel.createProcess(name: "second")
            _ = try promptly { try first.registerName("ticktimer") }
            let servers = kernel.serverCount
            #expect(throws: XousError.internalError) { try promptly { try second.registerName("ticktimer") } }
            #expect(throws: XousError.internalError) { try promptly { try first.registerName("ticktimer") } }
            #expect(kernel.serverCount == servers)
        }

        struct NameCase: Sendable, CustomTestStringConvertible {
            let name: String
            let accepted: Bool
            var testDescription: String {
                "\(name.count) characters, \(name.utf8.count) bytes: \(accepted ? "accepted" : "InvalidString")"
            }
        }

        static let nameCases: [NameCase] = [
            NameCase(name: String(repeating: "a", count: 63), accepted: true),
            NameCase(name: String(repeating: "a", count: 64), accepted: false),
            NameCase(name: String(repeating: "é", count: 31) + "a", accepted: true),  // 32 characters, 63 bytes
            NameCase(name: String(repeating: "é", count: 32), accepted: false),  // 32 characters, 64 bytes
            NameCase(name: String(repeating: "日", count: 21), accepted: true),  // 63 bytes
            NameCase(name: String(repeating: "🙂", count: 16), accepted: false),  // 16 characters, 64 bytes
            NameCase(name: String(repeating: "b", count: 200), accepted: false),
        ]

        @Test("names of up to 63 bytes of UTF-8 are accepted; 64 bytes or more is InvalidString", arguments: nameCases)
        func nameLengthInBytes(_ entry: NameCase) throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let name = entry.name
            if entry.accepted {
                let sid = try promptly { try owner.registerName(name) }
                let cid = try promptly { try client.requestConnection(name) }
                try client.trySend(cid, scalar(1))
                #expect(try owner.tryReceive(sid)?.id == 1)
            } else {
                let servers = kernel.serverCount
                #expect(throws: XousError.invalidString) { try promptly { try owner.registerName(name) } }
                #expect(throws: XousError.invalidString) { try promptly { try client.requestConnection(name) } }
                #expect(throws: XousError.invalidString) { try promptly { try client.requestConnectionBlocking(name) } }
                #expect(kernel.serverCount == servers)
            }
        }

        @Test("requestConnection to a name nobody registered is ServerNotFound")
        func unknownName() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let client = try kernel.createProcess(name: "client")
            let owner = try kernel.createProcess(name: "owner")
            _ = try promptly { try owner.registerName("known") }
            _ = try client.tryConnect(nameServerSID)
            let before = client.connectionCount
            #expect(before == 1)
            #expect(throws: XousError.serverNotFound) { try promptly { try client.requestConnection("unknown") } }
            #expect(throws: XousError.serverNotFound) { try promptly { try client.requestConnection("Known") } }
            #expect(client.connectionCount == before)
        }

        @Test("requestConnectionBlocking parks until that name is registered, then returns a working CID")
        func blockingRequestWaitsForTheName() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }  // also wakes the request if the test stops early
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let request = try Background("request") { try client.requestConnectionBlocking("late-server") }
            #expect(request.isStillBlocked())
            // Another name does not satisfy it.
            _ = try promptly { try owner.registerName("other-server") }
            #expect(request.isStillBlocked())

            let sid = try promptly { try owner.registerName("late-server") }
            let cid = try request.value()
            try client.trySend(cid, scalar(8))
            #expect(try owner.tryReceive(sid)?.id == 8)
        }

        @Test("with maxConnections 2, exactly two requests succeed; then a Lookup is ServerNotFound and a BlockingConnect InternalError, at once")
        func connectionLimit() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let clients = try (0..<3).map { index throws(XousError) in try kernel.createProcess(name: "client-\(index)") }
            let sid = try promptly { try owner.registerName("keystore", maxConnections: 2) }
            let first = try promptly { try clients[0].requestConnection("keystore") }
            let second = try promptly { try clients[1].requestConnection("keystore") }
            // xous-names answers an AuthenticateRequest, which xous-api-names reads as ServerNotFound.
            #expect(throws: XousError.serverNotFound) { try promptly { try clients[2].requestConnection("keystore") } }
            #expect(throws: XousError.serverNotFound) { try promptly { try clients[0].requestConnection("keystore") } }
            // xous-names would park this one for ever; here it is refused at once.
            #expect(throws: XousError.internalError) { try promptly { try clients[2].requestConnectionBlocking("keystore") } }
            // The refused client holds only its connection to the name server.
            #expect(clients[2].connectionCount == 1)
            #expect(clients[0].connectionCount == 2)
            try clients[0].trySend(first, scalar(1))
            try clients[1].trySend(second, scalar(2))
            #expect(try owner.tryReceive(sid)?.id == 1)
            #expect(try owner.tryReceive(sid)?.id == 2)
        }

        @Test("kernel.shutdown() wakes a parked requestConnectionBlocking with an error instead of leaving it hanging")
        func shutdownWakesABlockedRequest() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let client = try kernel.createProcess(name: "client")
            // Connect first, so that the request cannot park in connect() after the name server is gone.
            _ = try client.tryConnect(nameServerSID)
            let request = try Background("request") { try client.requestConnectionBlocking("never-registered") }
            #expect(request.isStillBlocked())
            kernel.shutdown()
            #expect(throws: XousError.self) { try request.value() }
        }

        @Test("unregisterName by the owner removes the name: requests fail and the name can be registered again")
        func unregisterByOwner() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let sid = try promptly { try owner.registerName("status") }
            #expect(try promptly { try owner.unregisterName(sid) } == true)
            #expect(throws: XousError.serverNotFound) { try promptly { try client.requestConnection("status") } }
            // Its server stays until destroyed.
            #expect(try queueIsEmpty(sid, for: owner))
            let again = try promptly { try owner.registerName("status") }
            #expect(again != sid)
            #expect(try promptly { try owner.unregisterName(sid) } == false)
        }

        @Test("unregisterName needs only the SID, as in xous-names: holding it is the permission")
        func unregisterByAnotherHolder() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let other = try kernel.createProcess(name: "other")
            let sid = try promptly { try owner.registerName("status") }
            #expect(try promptly { try other.unregisterName(SID.random()) } == false)
            #expect(try promptly { try other.requestConnection("status") } >= Kernel.firstCID)
            #expect(try promptly { try other.unregisterName(sid) } == true)
            #expect(throws: XousError.serverNotFound) { try promptly { try other.requestConnection("status") } }
        }
    }
}
