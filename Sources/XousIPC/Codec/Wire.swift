/// Why a byte sequence was refused by a decoder. Decoders never trap: every read is bounds-checked
/// and every field is range-checked, and a refusal says which field and why.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes ended before `field` could be read.
    case truncated(field: String, needed: Int, available: Int)
    /// The bytes went on after the value ended.
    case trailingBytes(count: Int)
    /// `field` held a value outside its domain.
    case invalidValue(field: String, value: UInt64)
    /// `field` is text but its bytes are not UTF-8.
    case invalidUTF8(field: String)
    /// `field` is longer than its layout allows.
    case tooLong(field: String, maximum: Int, actual: Int)
    /// The value does not fit the buffer it was to be written into.
    case doesNotFit(needed: Int, capacity: Int)

    public var description: String {
        switch self {
        case let .truncated(field, needed, available):
            return "truncated at \(field): needs \(needed) more bytes, \(available) left"
        case let .trailingBytes(count):
            return "\(count) unexpected bytes after the value"
        case let .invalidValue(field, value):
            return "invalid value \(value) for \(field)"
        case let .invalidUTF8(field):
            return "\(field) is not valid UTF-8"
        case let .tooLong(field, maximum, actual):
            return "\(field) is \(actual) bytes, at most \(maximum) allowed"
        case let .doesNotFit(needed, capacity):
            return "value needs \(needed) bytes, buffer holds \(capacity)"
        }
    }
}

/// A bounds-checked little-endian cursor over bytes that a peer sent.
///
/// It reads from a borrowed buffer (usually a message page) without copying; it must not
/// outlive the `withUnsafeBytes` scope that made it.
public struct WireReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// Bytes consumed so far.
    public private(set) var position: Int = 0

    /// A reader over `bytes`, starting at the first byte.
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - position }

    private mutating func take(_ count: Int, _ field: String) throws(WireError) -> Int {
        // A count computed from a peer's bytes may be anything; a negative one must not move back.
        guard count >= 0 else { throw .invalidValue(field: field, value: UInt64(bitPattern: Int64(count))) }
        guard count <= remaining else {
            throw .truncated(field: field, needed: count, available: remaining)
        }
        defer { position += count }
        return position
    }

    /// Reads one byte.
    public mutating func readUInt8(_ field: String) throws(WireError) -> UInt8 {
        bytes[try take(1, field)]
    }

    /// Reads a little-endian 16-bit word.
    public mutating func readUInt16(_ field: String) throws(WireError) -> UInt16 {
        let at = try take(2, field)
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    /// Reads a little-endian 32-bit word.
    public mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 {
        let at = try take(4, field)
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[at + index]) << (8 * index) }
        return value
    }

    /// Reads `count` raw bytes.
    public mutating func readBytes(_ count: Int, _ field: String) throws(WireError) -> UnsafeRawBufferPointer {
        let at = try take(count, field)
        return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + count)])
    }

    /// Refuses any bytes left over: a value of a fixed layout is exactly its size, so extra
    /// bytes mean the peer speaks another layout.
    public func expectEnd() throws(WireError) {
        if remaining != 0 { throw .trailingBytes(count: remaining) }
    }
}

/// A little-endian writer that appends to a byte array.
public struct WireWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends one byte.
    public mutating func write(_ value: UInt8) { bytes.append(value) }

    /// Appends a little-endian 16-bit word.
    public mutating func write(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Appends a little-endian 32-bit word.
    public mutating func write(_ value: UInt32) {
        for index in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }

    /// Appends raw bytes.
    public mutating func write<S: Sequence<UInt8>>(contentsOf other: S) { bytes.append(contentsOf: other) }

    /// Appends `count` zero bytes (padding).
    public mutating func writeZeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }
}

/// A value with a fixed, documented little-endian layout that travels in a message page.
///
/// This is the model's counterpart of `xous-ipc`'s `Buffer::into_buf` / `to_original`: a
/// sender encodes into a page, a receiver decodes from the used part of it (the message's
/// `offset`). Unlike rkyv's `access_unchecked`, decoding validates every byte.
public protocol WireCodable: Sendable {
    /// Appends this value's layout to `writer`.
    func encode(to writer: inout WireWriter)
    /// Reads one value from `reader`, leaving the cursor after it.
    init(from reader: inout WireReader) throws(WireError)
}

extension WireCodable {
    /// This value's bytes.
    public func encoded() -> [UInt8] {
        var writer = WireWriter()
        encode(to: &writer)
        return writer.bytes
    }

    /// Decodes exactly one value that fills `bytes`: short input and extra bytes are both refused.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Self {
        var reader = WireReader(bytes)
        let value = try Self(from: &reader)
        try reader.expectEnd()
        return value
    }

    /// Decodes exactly one value that fills `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Self {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) -> Self in try decode(raw) }
        }
        return try result.get()
    }
}
