/// A value with an rkyv 0.8 archived form: the bytes `xous_ipc::Buffer::into_buf` puts in a
/// message page, in the configuration every xous-core crate uses (little-endian, aligned,
/// 32-bit relative pointers).
///
/// rkyv writes an archive depth first from the leaves: the out-of-line parts of every field
/// (a string's bytes when it is longer than 8), in field order, then zero padding to the root's
/// alignment, then the root object itself, last. A receiver finds the root at
/// `used - size`, where `used` is the message's `offset`. A conforming type describes the two
/// passes of that order: `archiveOutOfLine` writes its out-of-line parts (recording where each
/// went), and `archive(at:into:)` fills in its archived object, reading those positions back in
/// the same order. Decoding (`init(archivedAt:in:)`) checks every read, every relative
/// pointer, length, tag and UTF-8 sequence, where rkyv's `access_unchecked` trusts them.
///
/// The building blocks (`String`, `Optional`, `Vec<u8>` as `[UInt8]`, the integers, `Bool`,
/// `SID`) are implemented once, in `ArchivedBuildingBlocks.swift`; a message type only lays out
/// its fields with `ArchivedStruct` or `ArchivedEnum` and delegates to them.
public protocol Archivable: Sendable {
    /// The archived object's size and alignment (`size_of`/`align_of` of `Archived<Self>`).
    static var archivedLayout: ArchivedLayout { get }

    /// Writes the parts that live outside the archived object, depth first in field order.
    func archiveOutOfLine(into writer: inout ArchiveWriter)

    /// Fills in the archived object at `position`, whose bytes are already zero.
    func archive(at position: Int, into writer: inout ArchiveWriter)

    /// Reads the archived object at `position`.
    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError)
}

extension Archivable {
    /// Nothing lives out of line: the default for fixed-size types.
    public func archiveOutOfLine(into writer: inout ArchiveWriter) {}

    /// The whole archive of this value, root last (`rkyv::to_bytes`); its count is `used`.
    public func encoded() -> [UInt8] {
        var writer = ArchiveWriter()
        writer.archiveRoot(self)
        return writer.bytes
    }

    /// Reads the value whose archive fills `bytes` (the used bytes of a page): the root at
    /// `bytes.count - size`, everything it points at inside `bytes`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Self {
        try ArchiveReader(bytes).root(Self.self)
    }

    /// Reads the value whose archive fills `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Self {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) -> Self in try decode(raw) }
        }
        return try result.get()
    }
}

/// The size and alignment of an archived object.
public struct ArchivedLayout: Hashable, Sendable {
    /// Bytes the object takes, a multiple of `alignment`.
    public let size: Int
    /// What its position must be a multiple of.
    public let alignment: Int

    /// A layout of `size` bytes aligned to `alignment` (a power of two).
    public init(size: Int, alignment: Int) {
        self.size = size
        self.alignment = alignment
    }

    /// `[T; count]`: the elements back to back, aligned as one element.
    public static func array(of element: ArchivedLayout, count: Int) -> ArchivedLayout {
        ArchivedLayout(size: element.size * count, alignment: element.alignment)
    }

    /// `offset` rounded up to a multiple of `alignment`.
    @inlinable
    public static func align(_ offset: Int, to alignment: Int) -> Int {
        (offset + alignment - 1) & ~(alignment - 1)
    }
}

/// A `repr(C)` struct of archived fields, the form rkyv's derive gives a struct (and each
/// variant of an enum): the fields in declaration order, each at the next offset aligned for
/// it, the size rounded up to the largest alignment.
public struct ArchivedStruct: Sendable {
    /// Where each field starts, relative to the struct.
    public let offsets: [Int]
    /// The struct's size and alignment.
    public let layout: ArchivedLayout

    /// The struct of `fields`, in declaration order.
    public init(_ fields: ArchivedLayout...) { self.init(fields: fields) }

    /// The struct of `fields`, in declaration order.
    public init(fields: [ArchivedLayout]) {
        var offsets: [Int] = []
        var end = 0
        var alignment = 1
        for field in fields {
            let start = ArchivedLayout.align(end, to: field.alignment)
            offsets.append(start)
            end = start + field.size
            alignment = max(alignment, field.alignment)
        }
        self.offsets = offsets
        layout = ArchivedLayout(size: ArchivedLayout.align(end, to: alignment), alignment: alignment)
    }
}

/// An enum as rkyv's derive archives it: a `u8` tag, the variant's index in declaration order,
/// and each variant a `repr(C)` struct beginning with that tag; the enum is as large as its
/// largest variant, rounded up to the largest alignment, and unused bytes are zero.
public struct ArchivedEnum: Sendable {
    /// Each variant's struct (the tag its first field).
    public let variants: [ArchivedStruct]
    /// The enum's size and alignment.
    public let layout: ArchivedLayout

    /// An enum whose variants carry `fields[i]` (each an empty list for a unit variant).
    public init(variants fields: [[ArchivedLayout]]) {
        let tag = UInt8.archivedLayout
        variants = fields.map { ArchivedStruct(fields: [tag] + $0) }
        let alignment = variants.map(\.layout.alignment).max() ?? 1
        let size = variants.map(\.layout.size).max() ?? 1
        layout = ArchivedLayout(size: ArchivedLayout.align(size, to: alignment), alignment: alignment)
    }

    /// Reads the tag at `position`, refusing a number past the last variant.
    public func tag(at position: Int, in reader: ArchiveReader, _ field: String) throws(WireError) -> Int {
        let tag = Int(try reader.uint8(at: position, field))
        guard tag < variants.count else { throw .invalidValue(field: field, value: UInt64(tag)) }
        return tag
    }
}

/// Builds an archive in rkyv's order; see `Archivable`.
public struct ArchiveWriter {
    /// The archive so far.
    public private(set) var bytes: [UInt8]
    /// Where each out-of-line part went, in the order written.
    private var outOfLine: [Int] = []
    private var nextOutOfLine = 0

    /// An empty archive.
    public init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes `value` as the root: its out-of-line parts, zero padding to its alignment, then
    /// the object. Call once per writer.
    public mutating func archiveRoot<T: Archivable>(_ value: T) {
        value.archiveOutOfLine(into: &self)
        let position = reserve(T.archivedLayout)
        value.archive(at: position, into: &self)
    }

    /// Appends an out-of-line part after zero padding to `alignment`, and records its position
    /// for the `archive(at:into:)` pass.
    public mutating func writeOutOfLine(_ data: some Collection<UInt8>, alignment: Int = 1) {
        pad(to: alignment)
        outOfLine.append(bytes.count)
        bytes.append(contentsOf: data)
    }

    /// The position of the next out-of-line part written, in the order `writeOutOfLine` was called.
    public mutating func takeOutOfLinePosition() -> Int {
        defer { nextOutOfLine += 1 }
        return outOfLine[nextOutOfLine]
    }

    /// Appends a zeroed object of `layout`, aligned, and returns its position.
    mutating func reserve(_ layout: ArchivedLayout) -> Int {
        pad(to: layout.alignment)
        let position = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: layout.size))
        return position
    }

    private mutating func pad(to alignment: Int) {
        let padding = ArchivedLayout.align(bytes.count, to: alignment) - bytes.count
        if padding > 0 { bytes.append(contentsOf: repeatElement(0, count: padding)) }
    }

    /// Stores one byte at `position`.
    public mutating func store(_ value: UInt8, at position: Int) { bytes[position] = value }

    /// Stores a little-endian 16-bit word at `position`.
    public mutating func store(_ value: UInt16, at position: Int) {
        bytes[position] = UInt8(truncatingIfNeeded: value)
        bytes[position + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    /// Stores a little-endian 32-bit word at `position`.
    public mutating func store(_ value: UInt32, at position: Int) {
        for index in 0..<4 { bytes[position + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    /// Stores a relative pointer at `position`: the signed distance from `base` (the object
    /// the pointer belongs to; `position` itself when nil) to `target`.
    public mutating func storeRelativePointer(to target: Int, at position: Int, from base: Int? = nil) {
        store(UInt32(bitPattern: Int32(truncatingIfNeeded: target - (base ?? position))), at: position)
    }

    /// Stores raw bytes from `position` on.
    public mutating func store(contentsOf data: some Collection<UInt8>, at position: Int) {
        var index = position
        for byte in data {
            bytes[index] = byte
            index += 1
        }
    }

    /// Stores `words` back to back from `position` on (`[u16; N]`).
    public mutating func store(words: [UInt16], at position: Int) {
        for (index, word) in words.enumerated() { store(word, at: position + 2 * index) }
    }
}

/// Bounds-checked reads of an archive: the used bytes of a page, and nothing beyond them.
///
/// It reads a borrowed buffer (usually a message page) without copying; it must not outlive the
/// `withUnsafeBytes` scope that made it.
public struct ArchiveReader {
    /// The used bytes.
    public let bytes: UnsafeRawBufferPointer

    /// A reader of `bytes`, the whole archive (`[0, used)` of a page).
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The archive's length, `used`.
    public var used: Int { bytes.count }

    /// Reads the root: a `T` at `used - size`, aligned as `T` is.
    public func root<T: Archivable>(_ type: T.Type) throws(WireError) -> T {
        let layout = T.archivedLayout
        let position = used - layout.size
        guard position >= 0 else {
            throw .truncated(field: "\(T.self)", needed: layout.size, available: used)
        }
        // Pages are page-aligned and rkyv pads before the root, so a misaligned root means the
        // sender's offset is not the length of an archive of this type.
        guard position % layout.alignment == 0 else {
            throw .misaligned(field: "\(T.self)", position: position, alignment: layout.alignment)
        }
        return try T(archivedAt: position, in: self)
    }

    /// Checks that `[position, position + count)` lies inside the used bytes.
    @inlinable
    public func check(_ position: Int, count: Int, _ field: String) throws(WireError) {
        guard count >= 0, position >= 0, count <= used, position <= used - count else {
            throw .outOfBounds(field: field, start: position, length: count, used: used)
        }
    }

    /// Reads one byte.
    @inlinable
    public func uint8(at position: Int, _ field: String) throws(WireError) -> UInt8 {
        try check(position, count: 1, field)
        return bytes[position]
    }

    /// Reads a little-endian 16-bit word.
    @inlinable
    public func uint16(at position: Int, _ field: String) throws(WireError) -> UInt16 {
        try check(position, count: 2, field)
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    /// Reads a little-endian 32-bit word.
    @inlinable
    public func uint32(at position: Int, _ field: String) throws(WireError) -> UInt32 {
        try check(position, count: 4, field)
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[position + index]) << (8 * index) }
        return value
    }

    /// Follows the relative pointer at `position`, a distance from `base` (`position` itself
    /// when nil), to `count` bytes, which must lie inside the used bytes.
    public func pointee(at position: Int, from base: Int? = nil, count: Int, _ field: String) throws(WireError) -> UnsafeRawBufferPointer {
        let offset = Int(Int32(bitPattern: try uint32(at: position, field)))
        return try bytes(at: (base ?? position) + offset, count: count, field)
    }

    /// `count` raw bytes from `position`.
    public func bytes(at position: Int, count: Int, _ field: String) throws(WireError) -> UnsafeRawBufferPointer {
        try check(position, count: count, field)
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    /// `count` little-endian 16-bit words from `position` (`[u16; N]`).
    public func words(at position: Int, count: Int, _ field: String) throws(WireError) -> [UInt16] {
        try check(position, count: 2 * count, field)
        return (0..<count).map { UInt16(bytes[position + 2 * $0]) | UInt16(bytes[position + 2 * $0 + 1]) << 8 }
    }
}
