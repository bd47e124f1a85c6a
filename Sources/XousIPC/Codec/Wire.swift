/// A bounds-checked little-endian cursor over a byte stream of a fixed layout (not a message:
/// messages are rkyv archives, see `Archivable`).
///
/// It reads from a borrowed buffer without copying; it must not outlive the `withUnsafeBytes`
/// scope that made it.
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

    /// Refuses any bytes left over: a stream of a fixed layout is exactly its size.
    public func expectEnd() throws(WireError) {
        if remaining != 0 { throw .trailingBytes(count: remaining) }
    }
}

/// A little-endian writer of a byte stream, the counterpart of `WireReader`.
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
