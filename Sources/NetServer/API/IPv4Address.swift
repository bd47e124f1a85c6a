/// An IPv4 address: four octets in network order, the first being the one printed first.
public struct IPv4Address: Hashable, Sendable, LosslessStringConvertible {
    // The octets packed big-endian, so that comparing and hashing are one word.
    private let value: UInt32

    /// `0.0.0.0`, which Xous reports for any address it does not have.
    public static let zero = IPv4Address(0, 0, 0, 0)

    /// The address `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// The address made of `octets`, first octet first.
    public init(octets: (UInt8, UInt8, UInt8, UInt8)) {
        self.init(octets.0, octets.1, octets.2, octets.3)
    }

    /// The address made of `octets`, first octet first; nil unless there are exactly four.
    public init?(octets: some Collection<UInt8>) {
        guard octets.count == 4 else { return nil }
        let bytes = Array(octets)
        self.init(bytes[0], bytes[1], bytes[2], bytes[3])
    }

    /// Parses a dotted quad such as `192.168.1.23`.
    ///
    /// Each part is 1 to 3 decimal digits with a value up to 255. A part with a leading zero
    /// (`010`) is refused, because `inet_aton` reads it as octal and the intent is ambiguous.
    public init?(_ description: String) {
        let parts = description.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count),
                  part.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                  part.count == 1 || part.first != UInt8(ascii: "0")
            else { return nil }
            let number = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard number <= 255 else { return nil }
            octets.append(UInt8(number))
        }
        self.init(octets[0], octets[1], octets[2], octets[3])
    }

    /// The four octets, first octet first.
    public var octets: [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// The dotted quad, such as `192.168.1.23`.
    public var description: String {
        // Written in place: at most 15 bytes, which Swift keeps inline without allocating.
        // The gateway formats five addresses per Wi-Fi update, so this is on its hot path.
        String(unsafeUninitializedCapacity: 15) { buffer in
            var count = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                if shift < 24 {
                    buffer[count] = UInt8(ascii: ".")
                    count += 1
                }
                let octet = UInt8(truncatingIfNeeded: value >> UInt32(shift))
                if octet >= 100 {
                    buffer[count] = UInt8(ascii: "0") + octet / 100
                    count += 1
                }
                if octet >= 10 {
                    buffer[count] = UInt8(ascii: "0") + octet / 10 % 10
                    count += 1
                }
                buffer[count] = UInt8(ascii: "0") + octet % 10
                count += 1
            }
            return count
        }
    }
}
