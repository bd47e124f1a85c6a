import TestHarness
import Testing
import XousIPC

/// The name server's wire formats against bytes made by the real Rust types (`xous-api-names`
/// through `xous_ipc::Buffer`, rkyv 0.8.8, under the real hosted kernel with the real xous-names
/// answering): each deterministic value encodes to exactly its vector and decodes back from it.
@Suite("Golden vectors: xous-names and rkyv strings, byte for byte")
struct NamesGoldenTests {
    struct Case<T: Archivable & Equatable & Sendable>: Sendable, CustomTestStringConvertible {
        let file: String
        let value: T
        var testDescription: String { file }
    }

    static let registrations: [Case<NameRegistration>] = [
        Case(file: "names-registration-golden-svc", value: NameRegistration(name: "golden-svc", connectionLimit: nil)),
        Case(file: "names-registration-gold-1", value: NameRegistration(name: "gold", connectionLimit: 1)),
        Case(file: "names-registration-abcdefgh-3", value: NameRegistration(name: "abcdefgh", connectionLimit: 3)),
        // The live requests are the same values, sent by register_name itself.
        Case(file: "live-names-register-golden-svc-request", value: NameRegistration(name: "golden-svc", connectionLimit: nil)),
        Case(file: "live-names-register-gold-1-request", value: NameRegistration(name: "gold", connectionLimit: 1)),
        Case(file: "live-names-register-golden-svc-again-request", value: NameRegistration(name: "golden-svc", connectionLimit: nil)),
    ]

    static let lookups: [Case<NameLookup>] = [
        Case(file: "names-lookup-golden-svc", value: NameLookup(name: "golden-svc")),
        Case(file: "names-lookup-gold", value: NameLookup(name: "gold")),
        Case(file: "live-names-lookup-no-such-server-request", value: NameLookup(name: "no-such-server")),
        Case(file: "live-names-lookup-golden-svc-request", value: NameLookup(name: "golden-svc")),
        Case(file: "live-names-lookup-gold-request", value: NameLookup(name: "gold")),
        Case(file: "live-names-lookup-gold-again-request", value: NameLookup(name: "gold")),
    ]

    /// The token the real xous-names gave with the Lookup of "gold" (its seeded generator's).
    static let liveGoldToken = DisconnectToken(words: (0xE339_12EA, 0x6480_8F6A, 0x35E9_643C, 0x20C7_4C2D))

    static let disconnects: [Case<NameDisconnect>] = [
        Case(file: "names-disconnect-gold", value: NameDisconnect(name: "gold", token: DisconnectToken(words: (1, 2, 3, 4)))),
        Case(file: "names-disconnect-golden-svc", value: NameDisconnect(
            name: "golden-svc", token: DisconnectToken(words: (0xDEAD_BEEF, 0x0123_4567, 0x89AB_CDEF, 0xFEED_FACE)))),
        Case(file: "live-names-disconnect-gold-request", value: NameDisconnect(name: "gold", token: liveGoldToken)),
        Case(file: "live-names-disconnect-gold-stale-request", value: NameDisconnect(name: "gold", token: liveGoldToken)),
    ]

    static let returns: [Case<NameServerReturn>] = [
        Case(file: "names-return-sid", value: .sid(SID(words: (0x1111_1111, 0x2222_2222, 0x3333_3333, 0x4444_4444)))),
        Case(file: "names-return-failure", value: .failure),
        Case(file: "names-return-success", value: .success),
        Case(file: "names-return-cid-token", value: .cid(5, DisconnectToken(words: (0xA1A1_A1A1, 0xB2B2_B2B2, 0xC3C3_C3C3, 0xD4D4_D4D4)))),
        Case(file: "names-return-cid-none", value: .cid(5, nil)),
        Case(file: "names-return-authreq", value: .authenticateRequest(NameAuthenticateRequest(
            name: "no-such-server", challenge: DisconnectToken(words: (0x0102_0304, 0x0506_0708, 0x090A_0B0C, 0x0D0E_0F10))))),
    ]

    static let strings: [Case<String>] = [
        Case(file: "string-63", value: String(repeating: "x", count: 63)),
        Case(file: "string-64", value: String(repeating: "y", count: 64)),
        Case(file: "string-300", value: String(repeating: "z", count: 300)),
    ]

    private func expectBothWays<T: Archivable & Equatable>(_ entry: Case<T>) throws {
        let golden = GoldenVectors.bytes(entry.file)
        #expect(entry.value.encoded() == golden, "\(entry.file): encoding differs")
        #expect(try T.decode(golden) == entry.value, "\(entry.file): decoding differs")
        // Through a page, as a receiver reads it: offset = used, the root at used - size.
        var buffer = Buffer(encoding: entry.value)
        #expect(buffer.used == golden.count)
        #expect(buffer.capacity == 4_096)
        buffer.withUnsafeMutableBytes { page in
            // Bytes past `used` are stale in Xous; they must not matter.
            for index in golden.count..<page.count { page[index] = 0xAA }
        }
        #expect(try buffer.decode(T.self) == entry.value)
    }

    @Test("Registration", arguments: registrations) func registration(_ entry: Case<NameRegistration>) throws { try expectBothWays(entry) }
    @Test("Lookup's String", arguments: lookups) func lookup(_ entry: Case<NameLookup>) throws { try expectBothWays(entry) }
    @Test("Disconnect", arguments: disconnects) func disconnect(_ entry: Case<NameDisconnect>) throws { try expectBothWays(entry) }
    @Test("Return", arguments: returns) func reply(_ entry: Case<NameServerReturn>) throws { try expectBothWays(entry) }
    @Test("String length words beyond 63 bytes", arguments: strings) func string(_ entry: Case<String>) throws { try expectBothWays(entry) }

    @Test("the real xous-names' replies decode to what it answered")
    func liveReplies() throws {
        func reply(_ file: String) throws -> NameServerReturn { try NameServerReturn.decode(GoldenVectors.bytes(file)) }
        guard case .sid = try reply("live-names-register-golden-svc-reply"),
              case .sid = try reply("live-names-register-gold-1-reply") else {
            Issue.record("a Register reply is not a SID")
            return
        }
        #expect(try reply("live-names-register-golden-svc-again-reply") == .failure)
        guard case .cid(5, let token?) = try reply("live-names-lookup-golden-svc-reply"),
              case .cid(6, let goldToken?) = try reply("live-names-lookup-gold-reply") else {
            Issue.record("a Lookup reply is not a CID with a token")
            return
        }
        #expect(token != goldToken)
        #expect(goldToken == Self.liveGoldToken)
        // Unknown, and limit used up: both AuthenticateRequest naming what was asked for.
        guard case .authenticateRequest(let again) = try reply("live-names-lookup-gold-again-reply"),
              case .authenticateRequest(let unknown) = try reply("live-names-lookup-no-such-server-reply") else {
            Issue.record("an unavailable Lookup is not an AuthenticateRequest")
            return
        }
        #expect(again.name == "gold")
        #expect(unknown.name == "no-such-server")
        #expect(again.publicKeyID == Array(repeating: 0, count: 20))
        #expect(GoldenVectors.bytes("live-names-lookup-no-such-server-reply").count == 64)
        // The Disconnect used the Lookup's token; the same token again is stale.
        let disconnect = try NameDisconnect.decode(GoldenVectors.bytes("live-names-disconnect-gold-request"))
        #expect(disconnect == NameDisconnect(name: "gold", token: goldToken))
        #expect(try reply("live-names-disconnect-gold-reply") == .success)
        #expect(try reply("live-names-disconnect-gold-stale-reply") == .failure)
    }

    @Test("BlockingConnect and TryConnect: the raw request page and the answers written over it")
    func connectPages() throws {
        for opcode in ["blockingconnect", "tryconnect"] {
            let request = GoldenVectors.bytes("live-names-\(opcode)-golden-svc-request-68")
            var page = [UInt8](repeating: 0, count: 4_096)
            let valid = try page.withUnsafeMutableBytes { page throws(XousError) in try ConnectPage.writeRequest("golden-svc", into: page) }
            #expect(valid == 10)
            #expect(Array(page.prefix(68)) == request)
            #expect(page.withUnsafeBytes { ConnectPage.readName(in: $0, valid: valid) } == .success("golden-svc"))

            let reply = GoldenVectors.bytes("live-names-\(opcode)-golden-svc-reply-68")
            guard case .success(let granted) = reply.withUnsafeBytes({ ConnectPage.readReply(in: $0) }) else {
                Issue.record("\(opcode): the reply is not a success")
                continue
            }
            #expect(granted.cid == 5)
            page.withUnsafeMutableBytes { ConnectPage.writeReply(.success(granted), into: $0) }
            #expect(Array(page.prefix(68)) == reply)
        }
        // An error is two words; the rest of the page keeps the request's bytes.
        let request = GoldenVectors.bytes("live-names-tryconnect-no-such-server-request-68")
        var page = request + [UInt8](repeating: 0, count: 4_096 - request.count)
        page.withUnsafeMutableBytes { ConnectPage.writeReply(.failure(.serverNotFound), into: $0) }
        let reply = GoldenVectors.bytes("live-names-tryconnect-no-such-server-reply-68")
        #expect(Array(page.prefix(68)) == reply)
        #expect(reply.withUnsafeBytes { ConnectPage.readReply(in: $0).map(\.cid) } == .failure(.serverNotFound))
    }
}
