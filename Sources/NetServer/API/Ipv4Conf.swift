public import XousIPC

/// The IPv4 configuration the EC reports: Xous's `com_rs::Ipv4Conf`.
///
/// On the wire it is Xous's 14-word form (`encode_u16` / `decode_u16`): word 0 is the DHCP
/// state's number, then the 26 octets of `mac`, `addr`, `gateway`, `mask`, `dns1` and `dns2`
/// in that order, two per word as `lo | hi << 8` with the earlier octet in `lo`. So address
/// `192.168.1.23` is the words `0xA8C0, 0x1701`.
public struct Ipv4Conf: Hashable, Sendable {
    /// The number of 16-bit words in the wire form.
    public static let wordCount = 14

    /// The DHCP client's state.
    public var dhcp: DhcpState
    /// The interface's hardware address.
    public var mac: MACAddress
    /// The interface's address.
    public var addr: IPv4Address
    /// The default route's next hop.
    public var gateway: IPv4Address
    /// The subnet mask, such as `255.255.255.0`.
    public var mask: IPv4Address
    /// The first DNS server.
    public var dns1: IPv4Address
    /// The second DNS server (`0.0.0.0` when there is none).
    public var dns2: IPv4Address

    /// Xous's `Ipv4Conf::default()`: DHCP halted and every address zero.
    public static let `default` = Ipv4Conf()

    /// A configuration; omitted fields take their `default` values.
    public init(
        dhcp: DhcpState = .halted, mac: MACAddress = .zero, addr: IPv4Address = .zero,
        gateway: IPv4Address = .zero, mask: IPv4Address = .zero,
        dns1: IPv4Address = .zero, dns2: IPv4Address = .zero
    ) {
        self.dhcp = dhcp
        self.mac = mac
        self.addr = addr
        self.gateway = gateway
        self.mask = mask
        self.dns1 = dns1
        self.dns2 = dns2
    }

    /// Decodes Xous's 14-word form. Any word values are accepted, as in Xous (a DHCP number
    /// from 7 up reads as `.invalid`); only a count other than 14 is refused.
    public init(words: [UInt16]) throws(WireError) {
        guard words.count == Self.wordCount else {
            throw .invalidValue(field: "Ipv4Conf word count (expected 14)", value: UInt64(words.count))
        }
        let octets = words.dropFirst().flatMap {
            [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]
        }
        // The count check above makes every slice below the right length, so the `!`s cannot fail.
        func address(_ start: Int) -> IPv4Address { IPv4Address(octets: octets[start..<(start + 4)])! }
        self.init(
            dhcp: DhcpState(decoding: words[0]), mac: MACAddress(octets: octets[0..<6])!,
            addr: address(6), gateway: address(10), mask: address(14), dns1: address(18), dns2: address(22)
        )
    }

    /// Xous's 14-word form; see the type's documentation for the layout.
    public func encodeWords() -> [UInt16] {
        let octets = mac.octets + addr.octets + gateway.octets + mask.octets + dns1.octets + dns2.octets
        var words = [dhcp.rawValue]
        words.reserveCapacity(Self.wordCount)
        for pair in stride(from: 0, to: octets.count, by: 2) {
            words.append(UInt16(octets[pair]) | UInt16(octets[pair + 1]) << 8)
        }
        return words
    }
}

/// `[u16; 14]`, Xous's word form of an `Ipv4Conf` as archived: 28 bytes, alignment 2.
struct Ipv4Words: Archivable, Hashable {
    /// Exactly `Ipv4Conf.wordCount` words.
    let words: [UInt16]

    /// The first 14 of `words`, zero-filled when there are fewer.
    init(_ words: [UInt16]) {
        self.words = Array(words.prefix(Ipv4Conf.wordCount))
            + Array(repeating: 0, count: max(0, Ipv4Conf.wordCount - words.count))
    }

    static var archivedLayout: ArchivedLayout { .array(of: UInt16.archivedLayout, count: Ipv4Conf.wordCount) }

    func archive(at position: Int, into writer: inout ArchiveWriter) { writer.store(words: words, at: position) }

    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        words = try reader.words(at: position, count: Ipv4Conf.wordCount, "ipv4")
    }
}
