/// One JSON text that passed a strict RFC 8259 check, with the members of a top-level object
/// located but not decoded.
///
/// This is the gate for input nobody vouches for (the control topic, the control socket, what
/// the broker hands back). Anyone on the broker can publish to the control topic, so the check
/// assumes the worst: it looks at the size before reading anything, the UTF-8 before the
/// grammar, and the nesting depth as it goes; it never recurses (100,000 '[' cannot overflow the
/// stack), runs in linear time, and every refusal is a ``JSONError`` saying what and where.
///
/// Values are left to `JSONDecoder`, which is not strict enough to be the gate itself: it takes
/// a trailing comma, and its errors name no position. Members stay byte ranges so that a field
/// the caller must echo (a request's `transaction` or `id`) goes back byte for byte, `2.50e1`
/// included, and so that a document can be embedded in another without being written again.
public struct JSONText: Sendable {
    /// The whole text as given.
    public let bytes: [UInt8]
    /// What the top-level value is.
    public let kind: JSONKind
    /// The members of a top-level object in document order, duplicates included; empty for
    /// any other top-level value.
    public let members: [Member]

    /// A member of the top-level object.
    public struct Member: Sendable, Hashable {
        /// The key, escapes resolved.
        public let key: String
        /// Where the value's text lies in ``JSONText/bytes``.
        public let range: Range<Int>
        /// What the value is.
        public let kind: JSONKind
        /// The value with escapes resolved, when it is a string.
        public let string: String?
    }

    /// Checks `bytes`, which must be exactly one JSON value with optional whitespace around it;
    /// any JSON value may be the top level.
    public init(validating bytes: some Collection<UInt8>, limits: JSONLimits = .init()) throws(JSONError) {
        guard bytes.count <= limits.maxBytes else {
            throw JSONError(.tooLarge(limit: limits.maxBytes), at: max(limits.maxBytes, 0))
        }
        let copy = Array(bytes)
        let scanned = copy.withUnsafeBufferPointer { buffer -> Result<(JSONKind, [Member]), JSONError> in
            if let offset = firstInvalidUTF8Offset(in: buffer) {
                return .failure(JSONError(.invalidUTF8, at: offset))
            }
            var scanner = DocumentScanner(bytes: buffer, maxDepth: limits.maxDepth)
            return Result { () throws(JSONError) in (try scanner.scanDocument(), scanner.members) }
        }
        (kind, members) = try scanned.get()
        self.bytes = copy
    }

    /// Checks `text` under the same rules (`maxBytes` counts UTF-8 bytes).
    public init(validating text: String, limits: JSONLimits = .init()) throws(JSONError) {
        try self.init(validating: Array(text.utf8), limits: limits)
    }

    /// The first member named `key`, as a lookup by key has always taken it.
    public func member(_ key: String) -> Member? {
        members.first { $0.key == key }
    }

    /// The text of the first member named `key`'s value.
    public subscript(raw key: String) -> ArraySlice<UInt8>? {
        member(key).map { bytes[$0.range] }
    }

    /// The text of `member`'s value.
    public func raw(_ member: Member) -> ArraySlice<UInt8> {
        bytes[member.range]
    }
}

/// The six kinds of JSON value.
public enum JSONKind: String, Sendable, Hashable {
    case null, bool, number, string, array, object
}

/// Bounds on what a sender can make the gateway do.
public struct JSONLimits: Sendable {
    /// How deeply arrays and objects may nest; a bare scalar is depth 0, `[]` depth 1.
    public var maxDepth: Int
    /// The longest input accepted, in bytes; longer input is refused before it is read.
    public var maxBytes: Int

    /// Limits for a check; the defaults suit control requests, which are small and flat.
    public init(maxDepth: Int = 64, maxBytes: Int = 1 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }
}
