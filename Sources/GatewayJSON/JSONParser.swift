/// A strict RFC 8259 parser for input nobody vouches for.
///
/// Anyone on the broker can publish to the control topic, so the parser assumes the worst: it
/// checks the size before reading anything, the UTF-8 before parsing, and the nesting depth as it
/// goes; it never recurses (100,000 '[' cannot overflow the stack), runs in linear time, and every
/// refusal is a ``JSONError`` saying what and where, never a crash.
public struct JSONParser: Sendable {
    /// The document in `bytes`, which must be exactly one JSON value with optional whitespace
    /// around it; any JSON value may be the top level (`"subscribe"` or `42` too).
    public static func parse(_ bytes: some Collection<UInt8>, limits: Limits = .init()) throws(JSONError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw JSONError(.tooLarge(limit: limits.maxBytes), at: max(limits.maxBytes, 0))
        }
        let parsed = bytes.withContiguousStorageIfAvailable { parse(buffer: $0, limits: limits) }
        if let parsed { return try parsed.get() }
        // One copy for collections that are not contiguous, so the parser can index freely.
        return try Array(bytes).withUnsafeBufferPointer { parse(buffer: $0, limits: limits) }.get()
    }

    /// The document in `text`, under the same rules as the byte form (`maxBytes` counts UTF-8
    /// bytes).
    public static func parse(_ text: String, limits: Limits = .init()) throws(JSONError) -> JSONValue {
        try parse(text.utf8, limits: limits)
    }

    /// Results rather than throws, because the `withUnsafe…` functions do not pass typed errors
    /// through.
    private static func parse(buffer: UnsafeBufferPointer<UInt8>, limits: Limits) -> Result<JSONValue, JSONError> {
        if let offset = firstInvalidUTF8Offset(in: buffer) {
            return .failure(JSONError(.invalidUTF8, at: offset))
        }
        var parser = DocumentParser(bytes: buffer, maxDepth: limits.maxDepth)
        return Result { () throws(JSONError) in try parser.parseDocument() }
    }
}
