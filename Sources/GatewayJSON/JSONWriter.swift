/// Writes one JSON object straight to bytes, for a payload built on every update.
///
/// `JSONEncoder` writes every other document; on the Wi-Fi state payload, built on every
/// update, it costs several times as much as this writer (BENCHMARKS.md), which appends to one
/// buffer. The output is compact (no spaces) and escapes only what RFC 8259 requires.
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

    /// A member whose value is a string.
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

    /// A member whose value is `text`, which must be one JSON value: text that ``JSONText``
    /// checked, or that an encoder wrote. This is how a value is echoed or embedded without
    /// being decoded and written again.
    public mutating func member(_ key: String, raw text: some Collection<UInt8>) {
        beginMember(key)
        bytes.append(contentsOf: text)
    }

    /// `object` (the text of one JSON object, as an encoder wrote it) with `members` appended.
    public static func appending(_ members: [(String, ArraySlice<UInt8>)], to object: [UInt8]) -> [UInt8] {
        guard !members.isEmpty, object.last == ASCII.closeBrace else { return object }
        var writer = JSONWriter(capacity: object.count + members.reduce(0) { $0 + $1.0.utf8.count + $1.1.count + 4 })
        writer.bytes.append(contentsOf: object.dropLast())
        writer.afterMember = object.count > 2
        for (key, value) in members { writer.member(key, raw: value) }
        writer.bytes.append(ASCII.closeBrace)
        return writer.bytes
    }

    /// `text` as a quoted JSON string: printable on one line whatever it holds, since control
    /// characters come out as escapes.
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        writeEscaped(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
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
