/// The name server's opcodes (`api/xous-api-names/src/api.rs`, `Opcode`).
public enum NameServerOpcode: MessageID, Sendable, CaseIterable {
    /// MutableBorrow of an archived `NameRegistration`; answered with `NameServerReturn.sid` or
    /// `.failure`. The registrant then creates the server with that SID.
    case register = 0
    /// MutableBorrow of an archived `String` (the name); answered with `.cid` or, when the name
    /// is unknown or its connection limit is used up, `.authenticateRequest`.
    case lookup = 1
    /// Not implemented by xous-names (it panics); answered with `.failure` here.
    case authenticatedLookup = 2
    /// BlockingScalar with the four SID words; answered 1 when the name was removed, else 0.
    case unregister = 3
    /// MutableBorrow of an archived `NameDisconnect`; answered `.success` when the token was
    /// the name's current one (its connection count is reset and a new token drawn), else
    /// `.failure`.
    case disconnect = 4
    /// BlockingScalar; answered 1 when every limited name has all its connections.
    case trustedInitDone = 5
    /// MutableBorrow of a raw page (`ConnectPage`); answered in the page, parked until the
    /// name is registered.
    case blockingConnect = 6
    /// As `blockingConnect`, but an unavailable name is answered at once with `serverNotFound`.
    case tryConnect = 7
    /// Model only, accepted from the name server's own process: stop the server.
    case quit = 0x7f00
}

/// xous-names' `ConnectError` numbers, as a BlockingConnect or TryConnect reply carries them.
public enum ConnectError: UInt32, Error, Sendable {
    /// `valid` is larger than the page.
    case invalidMemoryBuffer = 1
    /// The kernel refused the connection (the requester's table is full, it is gone).
    case kernelConnectFailure = 2
    /// The name is not UTF-8 or is longer than 63 bytes.
    case invalidString = 3
    /// The request is not a memory message.
    case invalidMessageType = 4
    /// No server is available under that name.
    case serverNotFound = 5
}

/// The well-known name server SID, `b"xous-name-server"` as little-endian words.
public let nameServerSID = SID(bytes: Array("xous-name-server".utf8))!

/// Longest name, in bytes of UTF-8 (xous-names' `XousServerName` is 64 bytes with
/// `assert!(len < 64)`; a longer name makes it panic, so the model refuses one instead).
public let maxServerNameBytes = 63

/// The 128-bit token xous-names hands out with each brokered connection; presenting it to
/// `disconnect` resets the name's connection count. A capability like a SID, so it prints as
/// `DisconnectToken(redacted)`.
public struct DisconnectToken: Hashable, Sendable, Archivable,
    CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
{
    private let value: SID

    /// A token from its four words.
    public init(words: (UInt32, UInt32, UInt32, UInt32)) { value = SID(words: words) }

    /// A fresh token from the system's secure random generator (`create_server_id`).
    public static func random() -> DisconnectToken { DisconnectToken(value: SID.random()) }

    private init(value: SID) { self.value = value }

    /// The four words, for putting the token in a message.
    public var words: (UInt32, UInt32, UInt32, UInt32) { value.words }

    public static var archivedLayout: ArchivedLayout { SID.archivedLayout }
    public func archive(at position: Int, into writer: inout ArchiveWriter) { value.archive(at: position, into: &writer) }
    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        value = try SID(archivedAt: position, in: reader)
    }

    /// Always `DisconnectToken(redacted)`.
    public var description: String { "DisconnectToken(redacted)" }
    /// Always `DisconnectToken(redacted)`.
    public var debugDescription: String { description }
    /// A mirror with no children.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Reads a name from an archived `String`, at most `maxServerNameBytes` bytes.
private func archivedName(at position: Int, in reader: ArchiveReader) throws(WireError) -> String {
    try String(archivedAt: position, in: reader, maxBytes: maxServerNameBytes, field: "name")
}

/// `Registration { name: String, conn_limit: Option<u32> }`: 16 bytes, the name first.
public struct NameRegistration: Archivable, Hashable {
    private static let fields = ArchivedStruct(String.archivedLayout, UInt32?.archivedLayout)

    /// The name to register, at most `maxServerNameBytes` bytes.
    public var name: String
    /// nil for any number of connections; otherwise how many requests are granted.
    public var connectionLimit: UInt32?

    /// A registration of `name` with `connectionLimit`.
    public init(name: String, connectionLimit: UInt32?) {
        self.name = name
        self.connectionLimit = connectionLimit
    }

    public static var archivedLayout: ArchivedLayout { fields.layout }

    public func archiveOutOfLine(into writer: inout ArchiveWriter) { name.archiveOutOfLine(into: &writer) }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        name.archive(at: position + Self.fields.offsets[0], into: &writer)
        connectionLimit.archive(at: position + Self.fields.offsets[1], into: &writer)
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        name = try archivedName(at: position + Self.fields.offsets[0], in: reader)
        connectionLimit = try UInt32?(archivedAt: position + Self.fields.offsets[1], in: reader)
    }
}

/// `Disconnect { name: String, token: [u32; 4] }`: 24 bytes.
public struct NameDisconnect: Archivable, Hashable {
    private static let fields = ArchivedStruct(String.archivedLayout, DisconnectToken.archivedLayout)

    /// The name whose connection count is to be reset.
    public var name: String
    /// The token from the connection being given back.
    public var token: DisconnectToken

    /// A disconnect of `name` with `token`.
    public init(name: String, token: DisconnectToken) {
        self.name = name
        self.token = token
    }

    public static var archivedLayout: ArchivedLayout { fields.layout }

    public func archiveOutOfLine(into writer: inout ArchiveWriter) { name.archiveOutOfLine(into: &writer) }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        name.archive(at: position + Self.fields.offsets[0], into: &writer)
        token.archive(at: position + Self.fields.offsets[1], into: &writer)
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        name = try archivedName(at: position + Self.fields.offsets[0], in: reader)
        token = try DisconnectToken(archivedAt: position + Self.fields.offsets[1], in: reader)
    }
}

/// `AuthenticateRequest { name: String, pubkey_id: [u8; 20], challenge: [u32; 4] }`: 44 bytes.
/// xous-names answers an unavailable Lookup with one (with a zero key id and a random
/// challenge); no authentication follows, it only means "not available".
public struct NameAuthenticateRequest: Archivable, Hashable {
    private static let fields = ArchivedStruct(
        String.archivedLayout, .array(of: UInt8.archivedLayout, count: 20), DisconnectToken.archivedLayout)

    /// The name that was asked for.
    public var name: String
    /// Twenty bytes, zero from xous-names.
    public var publicKeyID: [UInt8]
    /// Four random words.
    public var challenge: DisconnectToken

    /// A request for `name` with a zero key id and `challenge`.
    public init(name: String, publicKeyID: [UInt8] = Array(repeating: 0, count: 20), challenge: DisconnectToken) {
        self.name = name
        self.publicKeyID = publicKeyID
        self.challenge = challenge
    }

    public static var archivedLayout: ArchivedLayout { fields.layout }

    public func archiveOutOfLine(into writer: inout ArchiveWriter) { name.archiveOutOfLine(into: &writer) }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        name.archive(at: position + Self.fields.offsets[0], into: &writer)
        writer.store(contentsOf: publicKeyID.prefix(20), at: position + Self.fields.offsets[1])
        challenge.archive(at: position + Self.fields.offsets[2], into: &writer)
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        name = try archivedName(at: position + Self.fields.offsets[0], in: reader)
        publicKeyID = Array(try reader.bytes(at: position + Self.fields.offsets[1], count: 20, "pubkey_id"))
        challenge = try DisconnectToken(archivedAt: position + Self.fields.offsets[2], in: reader)
    }
}

/// xous-names' `Return`, the answer to Register, Lookup and Disconnect: an rkyv enum, 48 bytes,
/// its tag the variant's index.
public enum NameServerReturn: Archivable, Hashable {
    /// 0: the name is not available (unknown, or its connection limit used up).
    case authenticateRequest(NameAuthenticateRequest)
    /// 1: refused.
    case failure
    /// 2: the SID a registrant is to create its server with.
    case sid(SID)
    /// 3: the connection made in the requester's table, and the name's disconnect token.
    case cid(CID, DisconnectToken?)
    /// 4: done.
    case success

    private static let cidTuple = ArchivedStruct(CID.archivedLayout, DisconnectToken?.archivedLayout)
    private static let layout = ArchivedEnum(variants: [
        [NameAuthenticateRequest.archivedLayout], [], [SID.archivedLayout], [cidTuple.layout], [],
    ])

    public static var archivedLayout: ArchivedLayout { layout.layout }

    private var tag: Int {
        switch self {
        case .authenticateRequest: 0
        case .failure: 1
        case .sid: 2
        case .cid: 3
        case .success: 4
        }
    }

    public func archiveOutOfLine(into writer: inout ArchiveWriter) {
        if case .authenticateRequest(let request) = self { request.archiveOutOfLine(into: &writer) }
    }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        writer.store(UInt8(tag), at: position)
        let field = position + Self.layout.variants[tag].offsets.last!
        switch self {
        case .authenticateRequest(let request):
            request.archive(at: field, into: &writer)
        case .sid(let sid):
            sid.archive(at: field, into: &writer)
        case .cid(let cid, let token):
            cid.archive(at: field + Self.cidTuple.offsets[0], into: &writer)
            token.archive(at: field + Self.cidTuple.offsets[1], into: &writer)
        case .failure, .success:
            break
        }
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        let tag = try Self.layout.tag(at: position, in: reader, "Return tag")
        let field = position + Self.layout.variants[tag].offsets.last!
        switch tag {
        case 0: self = .authenticateRequest(try NameAuthenticateRequest(archivedAt: field, in: reader))
        case 1: self = .failure
        case 2: self = .sid(try SID(archivedAt: field, in: reader))
        case 3:
            self = .cid(
                try CID(archivedAt: field + Self.cidTuple.offsets[0], in: reader),
                try DisconnectToken?(archivedAt: field + Self.cidTuple.offsets[1], in: reader))
        default: self = .success
        }
    }
}

/// The page of a BlockingConnect or TryConnect, which is not an archive: xous-api-names'
/// page-aligned `ConnectRequest { name: [u8; 64], len: u32, .. }`, lent with offset 0 and
/// `valid` the name's length; the answer is written over it as `u32` words (`[0, cid, token×4]`
/// or `[1, ConnectError]`, the rest of the page left as it was) and returned with offset and
/// valid 0.
public enum ConnectPage {
    /// Where xous-api-names writes the name's length (the server ignores it).
    static let lengthOffset = 64

    /// Writes a request for `name` at the start of `page`; returns the `valid` to send.
    /// - Throws: `InvalidString` for a name over `maxServerNameBytes` bytes.
    public static func writeRequest(_ name: String, into page: UnsafeMutableRawBufferPointer) throws(XousError) -> Int {
        let bytes = Array(name.utf8)
        guard bytes.count <= maxServerNameBytes else { throw .invalidString }
        page.copyBytes(from: bytes)
        storeWord(UInt32(bytes.count), at: lengthOffset, in: page)
        return bytes.count
    }

    /// The name in a request page: its first `valid` bytes (0 meaning the whole page, as in
    /// xous-names), UTF-8 and at most `maxServerNameBytes` long.
    public static func readName(in page: UnsafeRawBufferPointer, valid: Int) -> Result<String, ConnectError> {
        let count = valid == 0 ? page.count : valid
        guard count >= 0, count <= page.count else { return .failure(.invalidMemoryBuffer) }
        guard count <= maxServerNameBytes,
              let name = String(validating: UnsafeRawBufferPointer(rebasing: page[..<count]), as: UTF8.self)
        else { return .failure(.invalidString) }
        return .success(name)
    }

    /// Writes an answer over the start of `page`.
    public static func writeReply(
        _ reply: Result<(cid: CID, token: DisconnectToken?), ConnectError>, into page: UnsafeMutableRawBufferPointer
    ) {
        switch reply {
        case .success(let granted):
            let (t0, t1, t2, t3) = granted.token?.words ?? (0, 0, 0, 0)
            for (index, word) in [0, granted.cid, t0, t1, t2, t3].enumerated() { storeWord(word, at: 4 * index, in: page) }
        case .failure(let error):
            storeWord(1, at: 0, in: page)
            storeWord(error.rawValue, at: 4, in: page)
        }
    }

    /// Reads an answer from the start of `page`; an all-zero token reads as none.
    public static func readReply(in page: UnsafeRawBufferPointer) -> Result<(cid: CID, token: DisconnectToken?), ConnectError> {
        guard page.count >= 24 else { return .failure(.invalidMemoryBuffer) }
        let word = { (index: Int) -> UInt32 in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(page[4 * index + $1]) << (8 * $1) }
        }
        guard word(0) == 0 else { return .failure(ConnectError(rawValue: word(1)) ?? .kernelConnectFailure) }
        let words = (word(2), word(3), word(4), word(5))
        let token = words == (0, 0, 0, 0) ? nil : DisconnectToken(words: words)
        return .success((word(1), token))
    }

    private static func storeWord(_ value: UInt32, at offset: Int, in page: UnsafeMutableRawBufferPointer) {
        for index in 0..<4 { page[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}

/// A Lookup request: the name as an archived `String`, at most `maxServerNameBytes` bytes.
public struct NameLookup: Archivable, Hashable {
    /// The name asked for.
    public var name: String

    /// A lookup of `name`.
    public init(name: String) { self.name = name }

    public static var archivedLayout: ArchivedLayout { String.archivedLayout }
    public func archiveOutOfLine(into writer: inout ArchiveWriter) { name.archiveOutOfLine(into: &writer) }
    public func archive(at position: Int, into writer: inout ArchiveWriter) { name.archive(at: position, into: &writer) }
    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        name = try archivedName(at: position, in: reader)
    }
}
