import TestHarness
import Testing
import XousIPC
import SystemSupport

/// Sends `request` to the name server as a MutableBorrow with the offset and valid given,
/// returning the answer and the page as it came back.
private func lendToNames(
    _ process: XousProcess, opcode: NameServerOpcode, page bytes: [UInt8], offset: Int, valid: Int
) throws -> (XousResult, [UInt8]) {
    var buffer = Buffer()
    buffer.withUnsafeMutableBytes { $0.copyBytes(from: bytes) }
    let cid = try process.connect(nameServerSID)
    let result = try process.lendMutable(cid, id: opcode.rawValue, &buffer, offset: offset, valid: valid)
    return (result, buffer.withUnsafeBytes { Array($0) })
}

/// An archive lent as `Buffer::lend_mut` does: offset = used, valid = 4096.
private func lendArchive(_ process: XousProcess, opcode: NameServerOpcode, _ archive: [UInt8]) throws -> (XousResult, [UInt8]) {
    try lendToNames(process, opcode: opcode, page: archive, offset: archive.count, valid: 4_096)
}

extension XousIPCSpec {
    /// xous-names' protocol as our name server speaks it, checked on the wire against the real
    /// server's replies (golden vectors), plus the robust answers where xous-names would crash.
    @Suite("Name server: xous-names' protocol on the wire")
    struct NameProtocolSpec {
        @Test("Register answers Return::SID at offset 48 with valid 4096, and the registrant creates the server")
        func registerOnTheWire() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let servers = kernel.serverCount
            let (result, page) = try promptly {
                try lendArchive(owner, opcode: .register, GoldenVectors.bytes("live-names-register-golden-svc-request"))
            }
            #expect(result == .memoryReturned(offset: 48, valid: 4_096))
            let golden = GoldenVectors.bytes("live-names-register-golden-svc-reply")
            // The tag and the zero tail are the real server's; the SID is random.
            #expect(page[0..<4] == golden[0..<4])
            #expect(page[20..<48] == golden[20..<48])
            guard case .sid(let sid) = try NameServerReturn.decode(Array(page.prefix(48))) else {
                Issue.record("not a SID")
                return
            }
            // xous-names only hands out the SID: nothing exists until the registrant creates it.
            #expect(kernel.serverCount == servers)
            _ = try owner.createServer(sid: sid)
            let (again, refused) = try promptly {
                try lendArchive(owner, opcode: .register, GoldenVectors.bytes("live-names-register-golden-svc-again-request"))
            }
            #expect(again == .memoryReturned(offset: 48, valid: 4_096))
            #expect(Array(refused.prefix(48)) == GoldenVectors.bytes("live-names-register-golden-svc-again-reply"))
        }

        @Test("Lookup of an unknown name answers AuthenticateRequest laid out as the real server's, at offset 64")
        func unknownLookupOnTheWire() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let client = try kernel.createProcess(name: "client")
            let (result, page) = try promptly {
                try lendArchive(client, opcode: .lookup, GoldenVectors.bytes("live-names-lookup-no-such-server-request"))
            }
            #expect(result == .memoryReturned(offset: 64, valid: 4_096))
            let golden = GoldenVectors.bytes("live-names-lookup-no-such-server-reply")
            #expect(page[0..<48] == golden[0..<48])  // the name, its repr, the zero key id; the challenge is random
            guard case .authenticateRequest(let request) = try NameServerReturn.decode(Array(page.prefix(64))) else {
                Issue.record("not an AuthenticateRequest")
                return
            }
            #expect(request.name == "no-such-server")
        }

        @Test("TryConnect of an unknown name writes [1, 5] over the request page, keeps the rest, and returns offset and valid 0")
        func tryConnectOnTheWire() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let client = try kernel.createProcess(name: "client")
            let request = GoldenVectors.bytes("live-names-tryconnect-no-such-server-request-68")
            let (result, page) = try promptly { try lendToNames(client, opcode: .tryConnect, page: request, offset: 0, valid: 14) }
            #expect(result == .memoryReturned(offset: 0, valid: 0))
            #expect(Array(page.prefix(68)) == GoldenVectors.bytes("live-names-tryconnect-no-such-server-reply-68"))
        }

        @Test("BlockingConnect answers [0, cid, token] in the page; the token is the one Lookup gives")
        func blockingConnectOnTheWire() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let sid = try promptly { try owner.registerName("golden-svc") }
            let request = GoldenVectors.bytes("live-names-blockingconnect-golden-svc-request-68")
            let (result, page) = try promptly { try lendToNames(client, opcode: .blockingConnect, page: request, offset: 0, valid: 10) }
            #expect(result == .memoryReturned(offset: 0, valid: 0))
            guard case .success(let granted) = page.withUnsafeBytes({ ConnectPage.readReply(in: $0) }) else {
                Issue.record("BlockingConnect refused")
                return
            }
            // Everything after the six words is the request as it was.
            #expect(page[24..<68] == request[24..<68])
            try client.trySend(granted.cid, scalar(4))
            #expect(try owner.tryReceive(sid)?.id == 4)
            let (cid, token) = try promptly { try client.requestConnectionWithToken("golden-svc") }
            #expect(cid == granted.cid)
            #expect(token != nil && token == granted.token)
        }

        @Test("a disconnect token resets a limited name's count and is replaced; a stale token is refused")
        func disconnectTokens() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let first = try kernel.createProcess(name: "first")
            let second = try kernel.createProcess(name: "second")
            _ = try promptly { try owner.registerName("gold", maxConnections: 1) }
            #expect(try promptly { try owner.trustedInitDone() } == false)
            let (_, token) = try promptly { try first.requestConnectionWithToken("gold") }
            let used = try #require(token)
            #expect(try promptly { try owner.trustedInitDone() } == true)
            #expect(throws: XousError.serverNotFound) { try promptly { try second.requestConnection("gold") } }

            try promptly { try first.disconnectWithToken("gold", used) }
            #expect(throws: XousError.serverNotFound) { try promptly { try first.disconnectWithToken("gold", used) } }
            #expect(throws: XousError.serverNotFound) { try promptly { try first.disconnectWithToken("no-such", used) } }
            let (_, fresh) = try promptly { try second.requestConnectionWithToken("gold") }
            #expect(fresh != nil && fresh != used)
            #expect("\(used)" == "DisconnectToken(redacted)")
        }

        @Test("anything xous-names would crash on is answered, and the name server serves on")
        func hostileRequests() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let hostile = try kernel.createProcess(name: "hostile")
            let names = try hostile.connect(nameServerSID)
            // Wrong kinds for the archive opcodes: scalars answered 0, lends returned as they were.
            for opcode in [NameServerOpcode.register, .lookup, .authenticatedLookup, .disconnect] {
                #expect(try promptly { try hostile.send(names, blockingScalar(opcode.rawValue)) } == .scalar1(0))
                try hostile.trySend(names, scalar(opcode.rawValue))
                let returned = try promptly { try hostile.lend(names, id: opcode.rawValue, Buffer(encoding: NameLookup(name: "x"))) }
                #expect(returned == .memoryReturned(offset: 8, valid: 4_096))
            }
            // Undecodable archives and AuthenticatedLookup: Failure.
            for opcode in [NameServerOpcode.register, .lookup, .disconnect, .authenticatedLookup] {
                let (result, page) = try promptly { try lendArchive(hostile, opcode: opcode, [0xA5, 0xA5, 0xA5]) }
                #expect(result == .memoryReturned(offset: 48, valid: 4_096), "\(opcode)")
                #expect(try NameServerReturn.decode(Array(page.prefix(48))) == .failure, "\(opcode)")
            }
            // A 64-byte name in an archive.
            let long = NameRegistration(name: String(repeating: "n", count: 64), connectionLimit: nil).encoded()
            let (_, refused) = try promptly { try lendArchive(hostile, opcode: .register, long) }
            #expect(try NameServerReturn.decode(Array(refused.prefix(48))) == .failure)
            // Raw pages: a name of 64 bytes, valid 0 (the whole page), past the page, not UTF-8.
            let name64 = [UInt8](repeating: 0x6E, count: 64)
            for (page, valid, code) in [(name64, 64, ConnectError.invalidString), (name64, 0, .invalidString),
                                        (name64, 5_000, .invalidMemoryBuffer), ([0xC3, 0x28], 2, .invalidString)] {
                for opcode in [NameServerOpcode.tryConnect, .blockingConnect] {
                    let (_, reply) = try promptly { try lendToNames(hostile, opcode: opcode, page: page, offset: 0, valid: valid) }
                    #expect(reply.withUnsafeBytes { ConnectPage.readReply(in: $0).map(\.cid) } == .failure(code), "\(opcode) valid \(valid)")
                }
            }
            #expect(try promptly { try hostile.send(names, blockingScalar(NameServerOpcode.blockingConnect.rawValue)) } == .scalar1(0))
            try hostile.trySend(names, scalar(NameServerOpcode.trustedInitDone.rawValue))
            try hostile.trySend(names, scalar(NameServerOpcode.unregister.rawValue))
            // Unknown opcodes, and Quit from a stranger.
            #expect(try promptly { try hostile.send(names, blockingScalar(99)) } == .scalar1(0))
            try hostile.trySend(names, scalar(NameServerOpcode.quit.rawValue))

            // Still serving.
            let sid = try promptly { try owner.registerName("after-the-storm") }
            let cid = try promptly { try hostile.requestConnectionBlocking("after-the-storm") }
            try hostile.trySend(cid, scalar(5))
            #expect(try owner.tryReceive(sid)?.id == 5)
        }

        @Test("a name whose registrant was terminated is stale: it can be registered again, and a parked BlockingConnect then connects")
        func staleNames() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let first = try kernel.createProcess(name: "net")
            let client = try kernel.createProcess(name: "client")
            _ = try promptly { try first.registerName("_Middleware Network Server_") }
            _ = try promptly { try client.requestConnection("_Middleware Network Server_") }
            first.terminate()
            // Gone: a Lookup is refused, a BlockingConnect waits for it to come back.
            #expect(throws: XousError.serverNotFound) { try promptly { try client.requestConnection("_Middleware Network Server_") } }
            let waiting = try Background("wait") { try client.requestConnectionBlocking("_Middleware Network Server_") }
            #expect(waiting.isStillBlocked())

            let second = try kernel.createProcess(name: "net again")
            let sid = try promptly { try second.registerName("_Middleware Network Server_") }
            let cid = try waiting.value()
            try client.trySend(cid, scalar(6))
            #expect(try second.tryReceive(sid)?.id == 6)
            // A live name is not stale.
            let third = try kernel.createProcess(name: "impostor")
            #expect(throws: XousError.internalError) { try promptly { try third.registerName("_Middleware Network Server_") } }
        }

        @Test("a registrant that never creates its server cannot stall the name server: a Lookup is answered after the grace period")
        func registrantWithoutServer() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let lazy = try kernel.createProcess(name: "lazy")
            let client = try kernel.createProcess(name: "client")
            let (_, page) = try promptly {
                try lendArchive(lazy, opcode: .register, NameRegistration(name: "never", connectionLimit: nil).encoded())
            }
            guard case .sid = try NameServerReturn.decode(Array(page.prefix(48))) else {
                Issue.record("not registered")
                return
            }
            let started = MonotonicInstant.now
            #expect(throws: XousError.serverNotFound) { try promptly { try client.requestConnection("never") } }
            let waited = MonotonicInstant.now.nanoseconds(since: started) / 1_000_000
            #expect(waited >= 900 && waited < 3_000, "waited \(waited) ms")
            // Once the grace is over the name is stale and answers at once; another may take it.
            let quick = MonotonicInstant.now
            #expect(throws: XousError.serverNotFound) { try promptly { try client.requestConnection("never") } }
            #expect(MonotonicInstant.now.nanoseconds(since: quick) < 500_000_000)
            _ = try promptly { try client.registerName("never") }
        }

        @Test("a process may park at most 8 BlockingConnects; the 9th is refused at once")
        func parkedConnectsAreCapped() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let client = try kernel.createProcess(name: "client")
            _ = try client.connect(nameServerSID)
            let parked = try (0..<8).map { index in
                try Background("wait-\(index)") { try client.requestConnectionBlocking("later-\(index)") }
            }
            for request in parked { #expect(request.isStillBlocked(afterMilliseconds: 20)) }
            #expect(throws: XousError.internalError) { try promptly { try client.requestConnectionBlocking("one-more") } }
            kernel.shutdown()
            for request in parked { #expect(throws: XousError.self) { try request.value() } }
        }
    }
}
