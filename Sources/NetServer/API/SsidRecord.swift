public import XousIPC

/// A network's name and signal strength: Xous's `SsidRecord` (`name: String, rssi: u8`).
///
/// `rssi` keeps Xous's convention of the negated dBm value, so -42 dBm is stored as 42 and a
/// larger number is a weaker signal. Names are compared byte for byte: two SSIDs that differ
/// only in Unicode normalisation are different networks to a radio.
///
/// Archived (rkyv) as 12 bytes, alignment 4: the name (`ArchivedString`) at 0, `rssi` at 8.
/// Xous's type does not bound the name; its producer clamps it to 32 bytes, and so does the
/// decoder here.
public struct SsidRecord: Hashable, Sendable, Archivable {
    /// The longest name in bytes of UTF-8, as 802.11 allows.
    public static let maxNameBytes = 32

    /// The network's name, at most `maxNameBytes` bytes of UTF-8.
    public let name: String
    /// The signal strength as negated dBm (42 means -42 dBm).
    public var rssi: UInt8

    /// A record of `name` with `rssi` in negated dBm.
    /// - Throws: `WireError.tooLong` when `name` exceeds `maxNameBytes` bytes of UTF-8.
    public init(name: String, rssi: UInt8) throws(WireError) {
        let length = name.utf8.count
        guard length <= Self.maxNameBytes else {
            throw .tooLong(field: "ssid", maximum: Self.maxNameBytes, actual: length)
        }
        self.init(validatedName: name, rssi: rssi)
    }

    /// A record of `name` with the signal strength in dBm, clamped into -255...0 since a
    /// positive dBm reading cannot be stored in the negated form.
    /// - Throws: `WireError.tooLong` when `name` exceeds `maxNameBytes` bytes of UTF-8.
    public init(name: String, rssiDBm: Int) throws(WireError) {
        try self.init(name: name, rssi: UInt8(-min(max(rssiDBm, -255), 0)))
    }

    init(validatedName name: String, rssi: UInt8) {
        self.name = name
        self.rssi = rssi
    }

    /// The signal strength in dBm (a stored 42 is -42).
    public var rssiDBm: Int { -Int(rssi) }

    /// Whether both records have the same name bytes and strength.
    public static func == (lhs: SsidRecord, rhs: SsidRecord) -> Bool {
        lhs.rssi == rhs.rssi && lhs.name.utf8.elementsEqual(rhs.name.utf8)
    }

    /// Hashes the name's bytes and the strength, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rssi)
        hasher.combine(name.utf8.count)
        for byte in name.utf8 { hasher.combine(byte) }
    }

    private static let fields = ArchivedStruct(String.archivedLayout, UInt8.archivedLayout)

    public static var archivedLayout: ArchivedLayout { fields.layout }

    public func archiveOutOfLine(into writer: inout ArchiveWriter) { name.archiveOutOfLine(into: &writer) }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        name.archive(at: position + Self.fields.offsets[0], into: &writer)
        rssi.archive(at: position + Self.fields.offsets[1], into: &writer)
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        name = try String(
            archivedAt: position + Self.fields.offsets[0], in: reader, maxBytes: Self.maxNameBytes,
            field: "SsidRecord.name")
        rssi = try reader.uint8(at: position + Self.fields.offsets[1], "SsidRecord.rssi")
    }
}
