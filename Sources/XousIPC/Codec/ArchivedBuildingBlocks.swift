// rkyv 0.8's building blocks, each written once: the integers, `bool`, `String`
// (`ArchivedString`), `Option<T>` (`ArchivedOption`), `Vec<u8>` (`ArchivedVec`) and the
// `[u32; 4]` of a SID. Message types are made of these (see `Archivable`). `Optional` is
// inlinable so that each message type's use of it is specialized rather than generic.

extension UInt8: Archivable {
    public static var archivedLayout: ArchivedLayout { ArchivedLayout(size: 1, alignment: 1) }
    public func archive(at position: Int, into writer: inout ArchiveWriter) { writer.store(self, at: position) }
    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        self = try reader.uint8(at: position, "u8")
    }
}

extension UInt16: Archivable {
    public static var archivedLayout: ArchivedLayout { ArchivedLayout(size: 2, alignment: 2) }
    public func archive(at position: Int, into writer: inout ArchiveWriter) { writer.store(self, at: position) }
    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        self = try reader.uint16(at: position, "u16")
    }
}

extension UInt32: Archivable {
    public static var archivedLayout: ArchivedLayout { ArchivedLayout(size: 4, alignment: 4) }
    public func archive(at position: Int, into writer: inout ArchiveWriter) { writer.store(self, at: position) }
    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        self = try reader.uint32(at: position, "u32")
    }
}

extension Bool: Archivable {
    public static var archivedLayout: ArchivedLayout { ArchivedLayout(size: 1, alignment: 1) }
    public func archive(at position: Int, into writer: inout ArchiveWriter) { writer.store(UInt8(self ? 1 : 0), at: position) }
    /// rkyv's `bool` is one byte, 0 or 1; any other byte is refused, as its validator does.
    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        let byte = try reader.uint8(at: position, "bool")
        guard byte <= 1 else { throw .invalidValue(field: "bool", value: UInt64(byte)) }
        self = byte == 1
    }
}

/// `ArchivedString`: 8 bytes, alignment 4.
///
/// Up to 8 bytes of UTF-8 are stored inline, followed by `0xFF` up to the 8th byte (0xFF never
/// occurs in UTF-8, so the length is the index of the first one, or 8). A longer string's bytes
/// are written out of line, unaligned, and the 8 bytes hold a length word
/// `(n & 0x3F) | 0x80 | (n & ~0x3F) << 2` and the signed distance from the start of the 8 bytes
/// to the string.
/// The forms are told apart by the first byte: `0b10xxxxxx`, a byte no UTF-8 string starts with,
/// marks the out-of-line form.
extension String: Archivable {
    /// Strings up to this many bytes are stored inline.
    public static let archivedInlineCapacity = 8

    public static var archivedLayout: ArchivedLayout { ArchivedLayout(size: 8, alignment: 4) }

    public func archiveOutOfLine(into writer: inout ArchiveWriter) {
        if utf8.count > String.archivedInlineCapacity { writer.writeOutOfLine(utf8) }
    }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        let count = utf8.count
        if count <= String.archivedInlineCapacity {
            writer.store(contentsOf: utf8, at: position)
            for index in count..<String.archivedInlineCapacity { writer.store(UInt8(0xFF), at: position + index) }
        } else {
            let target = writer.takeOutOfLinePosition()
            writer.store(UInt32(truncatingIfNeeded: (count & 0x3F) | 0x80 | ((count & ~0x3F) << 2)), at: position)
            // rkyv measures a string's offset from the start of its 8 bytes, not from the field.
            writer.storeRelativePointer(to: target, at: position + 4, from: position)
        }
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        self = try String(archivedAt: position, in: reader, maxBytes: .max, field: "string")
    }

    /// Reads an `ArchivedString` of at most `maxBytes` bytes, refusing a longer one before its
    /// bytes are read.
    public init(archivedAt position: Int, in reader: ArchiveReader, maxBytes: Int, field: String) throws(WireError) {
        let first = try reader.uint8(at: position, field)
        let text: UnsafeRawBufferPointer
        if first & 0xC0 == 0x80 {
            let word = Int(try reader.uint32(at: position, field))
            let count = (word & 0x3F) | ((word & ~0xFF) >> 2)
            guard count <= maxBytes else { throw .tooLong(field: field, maximum: maxBytes, actual: count) }
            text = try reader.pointee(at: position + 4, from: position, count: count, field)
        } else {
            let inline = try reader.bytes(at: position, count: String.archivedInlineCapacity, field)
            let count = inline.firstIndex(of: 0xFF) ?? String.archivedInlineCapacity
            guard count <= maxBytes else { throw .tooLong(field: field, maximum: maxBytes, actual: count) }
            text = UnsafeRawBufferPointer(rebasing: inline[..<count])
        }
        guard let string = String(validating: text, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        self = string
    }
}

/// `ArchivedOption<T>`: a `u8` tag (0 None, 1 Some), the payload at the first offset aligned for
/// `T`, the whole as large as a Some. A None is all zero after its tag.
extension Optional: Archivable where Wrapped: Archivable {
    @usableFromInline
    static var payloadOffset: Int { ArchivedLayout.align(1, to: Wrapped.archivedLayout.alignment) }

    @inlinable
    public static var archivedLayout: ArchivedLayout {
        let payload = Wrapped.archivedLayout
        return ArchivedLayout(
            size: ArchivedLayout.align(payloadOffset + payload.size, to: payload.alignment),
            alignment: payload.alignment)
    }

    @inlinable
    public func archiveOutOfLine(into writer: inout ArchiveWriter) {
        self?.archiveOutOfLine(into: &writer)
    }

    @inlinable
    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        guard let wrapped = self else { return }
        writer.store(UInt8(1), at: position)
        wrapped.archive(at: position + Self.payloadOffset, into: &writer)
    }

    @inlinable
    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        switch try reader.uint8(at: position, "option tag") {
        case 0: self = nil
        case 1: self = try Wrapped(archivedAt: position + Self.payloadOffset, in: reader)
        case let tag: throw .invalidValue(field: "option tag", value: UInt64(tag))
        }
    }
}

/// `ArchivedVec<u8>` (`Vec<u8>`): a relative pointer to the bytes, then their count as a `u32`;
/// 8 bytes, alignment 4. The bytes are written out of line, unaligned (an empty vector points at
/// where its bytes would be).
extension Array: Archivable where Element == UInt8 {
    public static var archivedLayout: ArchivedLayout { ArchivedLayout(size: 8, alignment: 4) }

    public func archiveOutOfLine(into writer: inout ArchiveWriter) { writer.writeOutOfLine(self) }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        writer.storeRelativePointer(to: writer.takeOutOfLinePosition(), at: position)
        writer.store(UInt32(truncatingIfNeeded: count), at: position + 4)
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        try self.init(archivedAt: position, in: reader, maxCount: .max, field: "vec")
    }

    /// Reads an `ArchivedVec<u8>` of at most `maxCount` bytes.
    public init(archivedAt position: Int, in reader: ArchiveReader, maxCount: Int, field: String) throws(WireError) {
        let count = Int(try reader.uint32(at: position + 4, field))
        guard count <= maxCount else { throw .tooLong(field: field, maximum: maxCount, actual: count) }
        self = Array(try reader.pointee(at: position, count: count, field))
    }
}

/// A SID travels as `[u32; 4]` (`SID::to_array`): 16 bytes, alignment 4.
extension SID: Archivable {
    public static var archivedLayout: ArchivedLayout { .array(of: UInt32.archivedLayout, count: 4) }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        let (w0, w1, w2, w3) = words
        writer.store(w0, at: position)
        writer.store(w1, at: position + 4)
        writer.store(w2, at: position + 8)
        writer.store(w3, at: position + 12)
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        self.init(words: (
            try reader.uint32(at: position, "sid[0]"), try reader.uint32(at: position + 4, "sid[1]"),
            try reader.uint32(at: position + 8, "sid[2]"), try reader.uint32(at: position + 12, "sid[3]")))
    }
}
