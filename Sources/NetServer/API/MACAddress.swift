/// A 48-bit Ethernet (IEEE 802) address: six octets, the first being the one printed first.
public struct MACAddress: Hashable, Sendable, LosslessStringConvertible {
    // The octets packed big-endian into the low 48 bits, so that comparing and hashing are one word.
    private let value: UInt64

    /// `00:00:00:00:00:00`, which Xous reports before the chip has told its address.
    public static let zero = MACAddress(0, 0, 0, 0, 0, 0)

    /// The address `o0:o1:o2:o3:o4:o5`.
    public init(_ o0: UInt8, _ o1: UInt8, _ o2: UInt8, _ o3: UInt8, _ o4: UInt8, _ o5: UInt8) {
        value = [o0, o1, o2, o3, o4, o5].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The address made of `octets`, first octet first.
    public init(octets: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) {
        self.init(octets.0, octets.1, octets.2, octets.3, octets.4, octets.5)
    }

    /// The address made of `octets`, first octet first; nil unless there are exactly six.
    public init?(octets: some Collection<UInt8>) {
        guard octets.count == 6 else { return nil }
        let b = Array(octets)
        self.init(b[0], b[1], b[2], b[3], b[4], b[5])
    }

    /// Parses six colon-separated pairs of hex digits such as `02:00:5e:10:00:01`, in either case.
    public init?(_ description: String) {
        let parts = description.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard part.count == 2 else { return nil }
            var octet: UInt8 = 0
            for digit in part {
                guard let nibble = Self.hexValue(digit) else { return nil }
                octet = octet << 4 | nibble
            }
            octets.append(octet)
        }
        self.init(octets: octets)
    }

    /// The six octets, first octet first.
    public var octets: [UInt8] {
        (0..<6).map { UInt8(truncatingIfNeeded: value >> (8 * (5 - $0))) }
    }

    /// Lower-case, colon-separated hex, such as `02:00:5e:10:00:01`.
    public var description: String {
        // Written in place, as the gateway formats it for every Wi-Fi update.
        String(unsafeUninitializedCapacity: 17) { buffer in
            for index in 0..<6 {
                let octet = UInt8(truncatingIfNeeded: value >> UInt64(8 * (5 - index)))
                if index > 0 { buffer[3 * index - 1] = UInt8(ascii: ":") }
                buffer[3 * index] = Self.lowercaseHexDigit(octet >> 4)
                buffer[3 * index + 1] = Self.lowercaseHexDigit(octet & 0x0F)
            }
            return 17
        }
    }

    private static func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
