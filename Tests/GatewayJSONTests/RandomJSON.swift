import GatewayJSON
import PropertyBased

/// Random JSON values for property tests: trees of bounded depth whose strings reach every part
/// of the escaping rules (control characters, quote, backslash, slash, DEL, non-ASCII, non-BMP)
/// and whose numbers cover the whole number grammar, not just what `Int` and `Double` print.
enum RandomJSON {
    /// Values nested at most four levels deep.
    static let values = Generator<JSONValue, Shrink.None<JSONValue>> { rng in value(depth: 4, using: &rng) }

    /// A value's serialization with a few random bytes replaced, inserted or removed: nearly
    /// valid input, which reaches far deeper into the parser than uniformly random bytes.
    static let mutatedDocuments = Generator<[UInt8], Shrink.None<[UInt8]>> { rng in
        var bytes = value(depth: 3, using: &rng).serializedBytes
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let position = Int.random(in: 0...bytes.count, using: &rng)
            let byte = jsonishByte(using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0 where position < bytes.count: bytes[position] = byte
            case 1 where position < bytes.count: bytes.remove(at: position)
            default: bytes.insert(byte, at: position)
            }
        }
        return bytes
    }

    /// Byte strings drawn mostly from JSON's own punctuation, keywords and escapes, so that random
    /// input often gets past the first byte.
    static let jsonishBytes = Generator<[UInt8], Shrink.None<[UInt8]>> { rng in
        (0..<Int.random(in: 0...80, using: &rng)).map { _ in jsonishByte(using: &rng) }
    }

    static func value(depth: Int, using rng: inout some RandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 8 : 5), using: &rng) {
        case 0: return .null
        case 1: return .bool(.random(using: &rng))
        case 2: return number(using: &rng)
        case 3, 4: return .string(string(using: &rng))
        case 5, 6:
            return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth: depth - 1, using: &rng) })
        default:
            var members: [(String, JSONValue)] = []
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                // Now and then a duplicate key, which must survive in place.
                let key = members.isEmpty || Int.random(in: 0..<6, using: &rng) > 0
                    ? string(using: &rng) : members[0].0
                members.append((key, value(depth: depth - 1, using: &rng)))
            }
            return .object(members)
        }
    }

    static func number(using rng: inout some RandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return .int(.random(in: .min ... .max, using: &rng))
        case 1: return .double(finiteDouble(using: &rng))
        default: return .number(numberText(using: &rng))
        }
    }

    /// Any finite double, subnormals and negative zero included, by drawing its bits.
    static func finiteDouble(using rng: inout some RandomNumberGenerator) -> Double {
        while true {
            let value = Double(bitPattern: rng.next())
            if value.isFinite { return value }
        }
    }

    /// Text from anywhere in RFC 8259's number grammar, e.g. `-0`, `12.50E+003`, `7e-0`.
    static func numberText(using rng: inout some RandomNumberGenerator) -> String {
        var text = Bool.random(using: &rng) ? "-" : ""
        if Int.random(in: 0..<4, using: &rng) == 0 {
            text += "0"
        } else {
            text += String(Int.random(in: 1...9, using: &rng)) + digits(0...25, using: &rng)
        }
        if Bool.random(using: &rng) {
            text += "." + digits(1...8, using: &rng)
        }
        if Bool.random(using: &rng) {
            text += ["e", "E"].randomElement(using: &rng)! + ["", "+", "-"].randomElement(using: &rng)!
            text += digits(1...4, using: &rng)
        }
        return text
    }

    static func string(using rng: inout some RandomNumberGenerator) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            scalars.append(scalar(using: &rng))
        }
        return String(scalars)
    }

    private static func scalar(using rng: inout some RandomNumberGenerator) -> Unicode.Scalar {
        let value: UInt32 =
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: .random(in: 0x00...0x1F, using: &rng)
            case 1: [0x22, 0x5C, 0x2F, 0x7F].randomElement(using: &rng)!
            case 2: .random(in: 0x80...0xD7FF, using: &rng)
            case 3: .random(in: 0xE000...0xFFFD, using: &rng)
            case 4: .random(in: 0x1_0000...0x10_FFFF, using: &rng)
            default: .random(in: 0x20...0x7E, using: &rng)
            }
        return Unicode.Scalar(value)!
    }

    private static func digits(_ count: ClosedRange<Int>, using rng: inout some RandomNumberGenerator) -> String {
        String((0..<Int.random(in: count, using: &rng)).map { _ in "0123456789".randomElement(using: &rng)! })
    }

    private static let jsonishAlphabet = Array(#"{}[],:"\/ 0123456789-+.eEtruefalsnbu"#.utf8) + [0x0A, 0x00, 0xC3, 0xA9, 0xFF]

    private static func jsonishByte(using rng: inout some RandomNumberGenerator) -> UInt8 {
        jsonishAlphabet.randomElement(using: &rng)!
    }
}
