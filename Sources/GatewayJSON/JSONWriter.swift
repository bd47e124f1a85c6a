/// Writes one JSON object straight to bytes, for a payload built on every update.
///
/// Building a ``JSONValue`` first allocates a string per number, an array per object and a
/// string per member, then walks the tree to serialize it; for the Wi-Fi state payload, built
/// on every update, that was a large share of the main loop's work (BENCHMARKS.md). The writer
/// appends to one buffer instead. Its output is the same compact
/// form as ``JSONValue/serializedBytes``: no spaces, strings escaped the same way, so a
/// document parsed from it serializes back to the same bytes.
///
/// Only objects are offered, since that is what payloads are; the body closures run at once,
/// so a member cannot be written outside the object it belongs to, and commas and braces are
/// always balanced.
public struct JSONWriter {
    /// The document so far; complete once the outermost ``object(capacity:_:)`` returned.
    public private(set) var bytes: [UInt8]
    /// Whether the next member needs a comma before it (a member was written in this object).
    private var afterMember = false

    private init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The bytes of the object `body` writes.
    /// - Parameter capacity: the size to reserve, so that a typical document needs one allocation.
    public static func object(capacity: Int = 256, _ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        writer.enclose(body)
        return writer.bytes
    }

    /// A member whose value is a string, escaped as ``JSONValue/string(_:)`` would be.
    public mutating func member(_ key: String, _ value: String) {
        beginMember(key)
        writeEscaped(value, to: &bytes)
    }

    /// A member whose value is an integer.
    public mutating func member(_ key: String, _ value: Int) {
        beginMember(key)
        // Digits written in reverse and turned round: no intermediate string.
        if value < 0 { bytes.append(ASCII.minus) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(ASCII.zero + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    /// A member whose value is `true` or `false`.
    public mutating func member(_ key: String, _ value: Bool) {
        beginMember(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A member whose value is `null`.
    public mutating func nullMember(_ key: String) {
        beginMember(key)
        bytes.append(contentsOf: "null".utf8)
    }

    /// A member whose value is the object `body` writes.
    public mutating func member(_ key: String, object body: (inout JSONWriter) -> Void) {
        beginMember(key)
        enclose(body)
    }

    private mutating func beginMember(_ key: String) {
        if afterMember { bytes.append(ASCII.comma) }
        afterMember = true
        writeEscaped(key, to: &bytes)
        bytes.append(ASCII.colon)
    }

    /// `{`, the members `body` writes, `}`; the enclosing object's comma state is kept aside.
    private mutating func enclose(_ body: (inout JSONWriter) -> Void) {
        let outer = afterMember
        afterMember = false
        bytes.append(ASCII.openBrace)
        body(&self)
        bytes.append(ASCII.closeBrace)
        afterMember = outer
    }
}
