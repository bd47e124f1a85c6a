public import XousIPC

/// The Wi-Fi state as it travels between servers: Xous's `WlanStatusIpc`
/// (`ssid: Option<SsidRecord>, link_state: u16, ipv4: [u16; 14]`).
///
/// It keeps `linkState` and `ipv4` as raw numbers, as Xous does, so that a state this model
/// does not know survives a hop unchanged; `WlanStatus(_:)` gives the typed view.
///
/// On the wire it is Xous's rkyv archive, 48 bytes for the root, alignment 4:
///
/// | offset | size | field                                                                   |
/// |--------|------|-------------------------------------------------------------------------|
/// | 0      | 16   | `ssid`: `Option<SsidRecord>`, tag at 0, the record at 4 (name 4..12, rssi 12) |
/// | 16     | 2    | `link_state`, any number (unknown ones read as `.unknown`)              |
/// | 18     | 28   | fourteen `ipv4` words (`Ipv4Conf`'s word layout)                        |
/// | 46     | 2    | padding                                                                 |
///
/// An SSID of up to 8 bytes is stored inline; a longer one's bytes come first and the root
/// follows them (60 bytes in all for a 9-byte SSID, 80 for 32). Decoding checks every read,
/// the Option tag, the string's pointer and length (at most 32 bytes) and its UTF-8.
public struct WlanStatusIpc: Archivable, Hashable, Sendable {
    private static let fields = ArchivedStruct(
        SsidRecord?.archivedLayout, UInt16.archivedLayout, Ipv4Words.archivedLayout)

    /// The network the chip is on or joining, if any.
    public var ssid: SsidRecord?
    /// The link state's number (`LinkState`'s raw values), kept raw.
    public var linkState: UInt16
    /// Xous's 14-word `Ipv4Conf` form; always exactly `Ipv4Conf.wordCount` words.
    public private(set) var ipv4: [UInt16]

    /// Xous's default: no SSID, link state 0 (unknown) and fourteen zero words.
    public static let `default` = WlanStatusIpc(WlanStatus.default)

    /// A state from raw parts.
    /// - Throws: `WireError.invalidValue` unless `ipv4` has exactly `Ipv4Conf.wordCount` words.
    public init(ssid: SsidRecord?, linkState: UInt16, ipv4: [UInt16]) throws(WireError) {
        guard ipv4.count == Ipv4Conf.wordCount else {
            throw .invalidValue(field: "WlanStatusIpc.ipv4 word count (expected 14)", value: UInt64(ipv4.count))
        }
        self.ssid = ssid
        self.linkState = linkState
        self.ipv4 = ipv4
    }

    /// The wire form of `status` (Xous's `WlanStatusIpc::from_status`).
    public init(_ status: WlanStatus) {
        ssid = status.ssid
        linkState = status.linkState.rawValue
        ipv4 = status.ipv4.encodeWords()
    }

    public static var archivedLayout: ArchivedLayout { fields.layout }

    public func archiveOutOfLine(into writer: inout ArchiveWriter) { ssid.archiveOutOfLine(into: &writer) }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        ssid.archive(at: position + Self.fields.offsets[0], into: &writer)
        linkState.archive(at: position + Self.fields.offsets[1], into: &writer)
        Ipv4Words(ipv4).archive(at: position + Self.fields.offsets[2], into: &writer)
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        ssid = try SsidRecord?(archivedAt: position + Self.fields.offsets[0], in: reader)
        linkState = try reader.uint16(at: position + Self.fields.offsets[1], "WlanStatusIpc.link_state")
        ipv4 = try Ipv4Words(archivedAt: position + Self.fields.offsets[2], in: reader).words
    }
}
