import GatewayJSON
import PropertyBased

/// Random JSON text for property tests: documents of bounded depth whose strings reach every part
/// of the escaping rules (control characters, quote, backslash, slash, DEL, non-ASCII, non-BMP,
/// every escape) and whose numbers cover the whole number grammar.
enum RandomJSON {
    /// A random document, its top-level members when it is an object.
    struct Document: Sendable {
        var text: String
        var members: [(key: String, text: String)]?
    }

    /// Documents nested at most four levels deep.
    static let documents = Generator<Document, Shrink.None<Document>> { rng in document(depth: 4, using: &rng) }

    /// A document with a few random bytes replaced, inserted or removed: nearly valid input,
    /// which reaches far deeper into the check than uniformly random bytes.
    static let mutatedDocuments = Generator<[UInt8], Shrink.None<[UInt8]>> { rng in
        var bytes = Array(document(depth: 3, using: &rng).text.utf8)
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

    /// Random text of one value, with random whitespace between tokens.
    static func document(depth: Int, using rng: inout some RandomNumberGenerator) -> Document {
        switch Int.random(in: 0..<(depth > 0 ? 8 : 5), using: &rng) {
        case 0: return Document(text: "null")
        case 1: return Document(text: Bool.random(using: &rng) ? "true" : "false")
        case 2: return Document(text: numberText(using: &rng))
        case 3, 4: return Document(text: quoted(string(using: &rng), using: &rng))
        case 5, 6:
            let elements = (0..<Int.random(in: 0...4, using: &rng)).map { _ in document(depth: depth - 1, using: &rng).text }
            return Document(text: "[" + space(&rng) + elements.joined(separator: space(&rng) + "," + space(&rng)) + space(&rng) + "]")
        default:
            var members: [(key: String, text: String)] = []
            var parts: [String] = []
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                // Now and then a duplicate key, which must survive in place.
                let key = members.isEmpty || Int.random(in: 0..<6, using: &rng) > 0 ? string(using: &rng) : members[0].key
                let value = document(depth: depth - 1, using: &rng).text
                members.append((key, value))
                parts.append(quoted(key, using: &rng) + space(&rng) + ":" + space(&rng) + value)
            }
            return Document(text: "{" + space(&rng) + parts.joined(separator: space(&rng) + "," + space(&rng)) + space(&rng) + "}", members: members)
        }
    }

    /// `text` as a JSON string, each character written raw or as any escape that means it.
    static func quoted(_ text: String, using rng: inout some RandomNumberGenerator) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            let escape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\" || Int.random(in: 0..<8, using: &rng) == 0
            guard escape else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\"": out += #"\""#
            case "\\": out += #"\\"#
            case "\n" where Bool.random(using: &rng): out += #"\n"#
            case "/" where Bool.random(using: &rng): out += #"\/"#
            default:
                for unit in String(scalar).utf16 {
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + (Bool.random(using: &rng) ? hex : hex.uppercased())
                }
            }
        }
        return out + "\""
    }

    private static func space(_ rng: inout some RandomNumberGenerator) -> String {
        Int.random(in: 0..<4, using: &rng) == 0 ? [" ", "\n", "\t", "\r\n "].randomElement(using: &rng)! : ""
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
            // Two digits at most: JSONDecoder, the peer, refuses numbers beyond a Double.
            text += digits(1...2, using: &rng)
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
