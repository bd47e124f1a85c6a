public import XousIPC

/// The Wi-Fi state as it travels between servers: Xous's `WlanStatusIpc`
/// (`ssid: Option<SsidRecord>, link_state: u16, ipv4: [u16; 14]`).
///
/// It keeps `linkState` and `ipv4` as raw numbers, as Xous does, so that a state this model
/// does not know survives a hop unchanged; `WlanStatus(_:)` gives the typed view.
///
/// Wire layout, little-endian, always 66 bytes:
///
/// | offset | size | field                                                              |
/// |--------|------|--------------------------------------------------------------------|
/// | 0      | 1    | `has_ssid`: 0 none, 1 some; anything else is refused               |
/// | 1      | 1    | `ssid_len`: 0...32; must be 0 when there is no SSID                |
/// | 2      | 1    | `rssi`, negated dBm; must be 0 when there is no SSID               |
/// | 3      | 1    | reserved, must be 0                                                |
/// | 4      | 32   | SSID, UTF-8, `ssid_len` bytes then zero padding (must be all zero) |
/// | 36     | 2    | `link_state`, any number (unknown ones read as `.unknown`)         |
/// | 38     | 28   | fourteen `ipv4` words (`Ipv4Conf`'s word layout)                   |
///
/// Decoding checks every read's bounds and every rule above, so any byte sequence either
/// decodes to a value that re-encodes to exactly those bytes or is refused with a `WireError`.
public struct WlanStatusIpc: WireCodable, Hashable, Sendable {
    /// The size of the wire form in bytes.
    public static let encodedSize = 66

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

    /// Appends the 66-byte layout described on the type.
    public func encode(to writer: inout WireWriter) {
        let name = Array(ssid?.name.utf8 ?? "".utf8)
        writer.write(UInt8(ssid == nil ? 0 : 1))
        writer.write(UInt8(name.count))
        writer.write(ssid?.rssi ?? 0)
        writer.write(UInt8(0))
        writer.write(contentsOf: name)
        writer.writeZeros(SsidRecord.maxNameBytes - name.count)
        writer.write(linkState)
        for word in ipv4 { writer.write(word) }
    }

    /// Reads the 66-byte layout described on the type, refusing any byte that breaks its rules.
    public init(from reader: inout WireReader) throws(WireError) {
        let hasSsid = try reader.readUInt8("WlanStatusIpc.has_ssid")
        guard hasSsid <= 1 else { throw .invalidValue(field: "WlanStatusIpc.has_ssid", value: UInt64(hasSsid)) }
        let length = Int(try reader.readUInt8("WlanStatusIpc.ssid_len"))
        guard length <= SsidRecord.maxNameBytes else {
            throw .tooLong(field: "WlanStatusIpc.ssid_len", maximum: SsidRecord.maxNameBytes, actual: length)
        }
        let rssi = try reader.readUInt8("WlanStatusIpc.rssi")
        let reserved = try reader.readUInt8("WlanStatusIpc.reserved")
        guard reserved == 0 else { throw .invalidValue(field: "WlanStatusIpc.reserved", value: UInt64(reserved)) }
        if hasSsid == 0 {
            // Without an SSID these bytes mean nothing; requiring zero keeps one encoding per value.
            guard length == 0 else { throw .invalidValue(field: "WlanStatusIpc.ssid_len", value: UInt64(length)) }
            guard rssi == 0 else { throw .invalidValue(field: "WlanStatusIpc.rssi", value: UInt64(rssi)) }
        }
        let field = try reader.readBytes(SsidRecord.maxNameBytes, "WlanStatusIpc.ssid")
        if let stray = field[length...].first(where: { $0 != 0 }) {
            throw .invalidValue(field: "WlanStatusIpc.ssid padding", value: UInt64(stray))
        }
        if hasSsid == 1 {
            guard let name = String(validating: field[..<length], as: UTF8.self) else {
                throw .invalidUTF8(field: "WlanStatusIpc.ssid")
            }
            ssid = SsidRecord(validatedName: name, rssi: rssi)
        } else {
            ssid = nil
        }
        linkState = try reader.readUInt16("WlanStatusIpc.link_state")
        var words: [UInt16] = []
        words.reserveCapacity(Ipv4Conf.wordCount)
        for _ in 0..<Ipv4Conf.wordCount { words.append(try reader.readUInt16("WlanStatusIpc.ipv4")) }
        ipv4 = words
    }
}
