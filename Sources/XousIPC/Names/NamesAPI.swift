/// The name server's opcodes (`api/xous-api-names/src/api.rs`, `Opcode`).
public enum NameServerOpcode: MessageID, Sendable, CaseIterable {
    /// MutableBorrow of a `NameRegistration`; answered with a `NameRegistrationReply`.
    case register = 0
    /// MutableBorrow of a `ConnectRequest`; connects now or fails (`request_connection`).
    case lookup = 1
    /// Not implemented by Xous either; always answered with an error.
    case authenticatedLookup = 2
    /// BlockingScalar with the four SID words; answered 1 when the owner's name was removed.
    case unregister = 3
    /// BlockingScalar; answered 0 (tokens are not modelled).
    case disconnect = 4
    /// BlockingScalar; answered 1 when every limited server has all its connections.
    case trustedInitDone = 5
    /// MutableBorrow of a `ConnectRequest`; parked until the name is registered.
    case blockingConnect = 6
    /// MutableBorrow of a `ConnectRequest`; fails at once if the name is unknown.
    case tryConnect = 7
    /// Model only, accepted from the name server's own process: stop the server.
    case quit = 0x7f00
}

/// xous-names' `ConnectError` numbers, as found in a failed `ConnectReply`.
public enum ConnectError: UInt32, Sendable {
    case invalidMemoryBuffer = 1
    case kernelConnectFailure = 2
    case invalidString = 3
    case invalidMessageType = 4
    case serverNotFound = 5
}

/// The well-known name server SID, `b"xous-name-server"` as little-endian words.
public let nameServerSID = SID(bytes: Array("xous-name-server".utf8))!

/// Longest name, in bytes of UTF-8 (`XousServerName` is 64 bytes with `assert!(len < 64)`).
public let maxServerNameBytes = 63

/// A name, as it travels: `u32` byte length then a 64-byte field, zero-padded.
struct ServerNameField: WireCodable, Hashable {
    let name: String

    init(_ name: String) throws(XousError) {
        guard name.utf8.count <= maxServerNameBytes else { throw .invalidString }
        self.name = name
    }

    func encode(to writer: inout WireWriter) {
        writer.write(UInt32(name.utf8.count))
        writer.write(contentsOf: name.utf8)
        writer.writeZeros(64 - name.utf8.count)
    }

    init(from reader: inout WireReader) throws(WireError) {
        let length = Int(try reader.readUInt32("name.length"))
        guard length <= maxServerNameBytes else {
            throw .tooLong(field: "name", maximum: maxServerNameBytes, actual: length)
        }
        let field = try reader.readBytes(64, "name")
        guard let text = String(validating: field[0..<length], as: UTF8.self) else { throw .invalidUTF8(field: "name") }
        guard field[length...].allSatisfy({ $0 == 0 }) else {
            throw .invalidValue(field: "name.padding", value: 0)
        }
        name = text
    }
}

/// `Registration { name, conn_limit: Option<u32> }`: 68 bytes of name, `u32` has-limit (0/1),
/// `u32` limit. 76 bytes.
struct NameRegistration: WireCodable {
    let name: ServerNameField
    let connectionLimit: UInt32?

    init(name: ServerNameField, connectionLimit: UInt32?) {
        self.name = name
        self.connectionLimit = connectionLimit
    }

    func encode(to writer: inout WireWriter) {
        name.encode(to: &writer)
        writer.write(UInt32(connectionLimit == nil ? 0 : 1))
        writer.write(connectionLimit ?? 0)
    }

    init(from reader: inout WireReader) throws(WireError) {
        name = try ServerNameField(from: &reader)
        let hasLimit = try reader.readUInt32("conn_limit.tag")
        let limit = try reader.readUInt32("conn_limit")
        switch hasLimit {
        case 0: connectionLimit = nil
        case 1: connectionLimit = limit
        default: throw .invalidValue(field: "conn_limit.tag", value: UInt64(hasLimit))
        }
    }
}

/// Answer to a registration: `u32` status (0 ok, 1 failure) then the four SID words (zero on
/// failure). Only the registering process, which owns the new server, ever reads this SID.
struct NameRegistrationReply: WireCodable {
    let sid: SID?

    init(sid: SID?) { self.sid = sid }

    func encode(to writer: inout WireWriter) {
        writer.write(UInt32(sid == nil ? 1 : 0))
        for word in sid?.wordArray ?? [0, 0, 0, 0] { writer.write(word) }
    }

    init(from reader: inout WireReader) throws(WireError) {
        let status = try reader.readUInt32("status")
        var words: [UInt32] = []
        for _ in 0..<4 { words.append(try reader.readUInt32("sid")) }
        switch status {
        case 0: sid = SID(array: words)
        case 1: sid = nil
        default: throw .invalidValue(field: "status", value: UInt64(status))
        }
    }
}

/// `ConnectRequest { name: [u8; 64], len: u32 }`, here as the 68-byte name field.
typealias ConnectRequest = ServerNameField

/// Answer to a connect request, written back into the request's page as `u32` words:
/// `[0] = 0` and `[1] = CID` on success, `[0] = 1` and `[1] = ConnectError` on failure.
struct ConnectReply: WireCodable {
    let result: Result<CID, ConnectErrorBox>

    init(_ result: Result<CID, ConnectErrorBox>) { self.result = result }

    func encode(to writer: inout WireWriter) {
        switch result {
        case .success(let cid):
            writer.write(UInt32(0))
            writer.write(cid)
        case .failure(let error):
            writer.write(UInt32(1))
            writer.write(error.code.rawValue)
        }
    }

    init(from reader: inout WireReader) throws(WireError) {
        let status = try reader.readUInt32("status")
        let value = try reader.readUInt32("value")
        switch status {
        case 0: result = .success(value)
        case 1:
            guard let code = ConnectError(rawValue: value) else {
                throw .invalidValue(field: "connect_error", value: UInt64(value))
            }
            result = .failure(ConnectErrorBox(code: code))
        default: throw .invalidValue(field: "status", value: UInt64(status))
        }
    }
}

/// `ConnectError` as a Swift error.
struct ConnectErrorBox: Error, Equatable {
    let code: ConnectError
}
