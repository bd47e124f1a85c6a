import Testing
import XousIPC

extension XousIPCSpec {
    /// The kernel's server table: `MAX_SERVER_COUNT` = 128 slots, one of them the name server's.
    @Suite("Servers: the kernel's table of 128")
    struct ServerTableSpec {
        @Test("a fresh kernel holds one server, the name server, at the well-known SID")
        func freshKernelHoldsTheNameServer() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            #expect(kernel.serverCount == 1)
            let client = try kernel.createProcess(name: "client")
            #expect(try client.tryConnect(nameServerSID) == 2)
            // It is the name server process's, not the client's.
            #expect(throws: XousError.serverNotFound) { _ = try client.tryReceive(nameServerSID) }
        }

        @Test("a 129th server is refused with ServerNotFound (Xous's number), until one is destroyed")
        func atMost128Servers() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            #expect(Kernel.maxServers == 128)
            // 127 servers beside the name server; each process can hold 32 (its creator connections).
            var made: [(XousProcess, SID)] = []
            for index in 0..<4 {
                let process = try kernel.createProcess(name: "owner-\(index)")
                for _ in 0..<(index < 3 ? 32 : 31) { made.append((process, try process.createServer())) }
            }
            #expect(made.count == 127)
            #expect(kernel.serverCount == 128)

            let late = try kernel.createProcess(name: "late")
            #expect(throws: XousError.serverNotFound) { try late.createServer() }
            #expect(throws: XousError.serverNotFound) { try late.createServer(sid: SID.random()) }
            #expect(kernel.serverCount == 128)
            #expect(late.connectionCount == 0)

            let (owner, sid) = made[40]
            try owner.destroyServer(sid)
            #expect(kernel.serverCount == 127)
            let fresh = try late.createServer()
            #expect(kernel.serverCount == 128)
            #expect(late.connectionCount == 1)
            #expect(try queueIsEmpty(fresh, for: late))
            #expect(throws: XousError.serverNotFound) { try late.createServer() }
        }

        @Test("createServer(sid:) refuses a SID that names a live server with ServerExists")
        func chosenSIDMustBeFree() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let other = try kernel.createProcess(name: "other")
            let sid = SID.random()
            #expect(try owner.createServer(sid: sid) == sid)
            #expect(throws: XousError.serverExists) { try other.createServer(sid: sid) }
            #expect(throws: XousError.serverExists) { try owner.createServer(sid: nameServerSID) }
            #expect(kernel.serverCount == 2)
            #expect(other.connectionCount == 0)
        }

        @Test("servers created without a SID get fresh random ones")
        func randomSIDsAreFresh() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let sids = try (0..<30).map { _ throws(XousError) in try owner.createServer() }
            #expect(Set(sids).count == 30)
            #expect(!sids.contains(nameServerSID))
        }
    }
}
