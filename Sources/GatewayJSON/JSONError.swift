/// Why a document was refused, and where.
///
/// The ``description`` is meant to be sent back to whoever published the request, so it names
/// the problem and the byte offset but never echoes their input (at most one printable ASCII
/// character), which could be anything, including bytes that would break the response.
public struct JSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of rule the document broke.
    public enum Kind: Hashable, Sendable {
        /// The input is not well-formed UTF-8 (checked before anything else).
        case invalidUTF8
        /// The input stopped in the middle of a value.
        case unexpectedEnd
        /// This byte cannot appear here.
        case unexpectedCharacter(UInt8)
        /// A number breaks RFC 8259's grammar (a leading zero, or a missing digit).
        case invalidNumber
        /// A backslash in a string is not followed by a JSON escape.
        case invalidEscape
        /// A string contains a raw U+0000–U+001F, which JSON requires to be escaped.
        case controlCharacterInString
        /// Arrays and objects nest deeper than the limit.
        case tooDeep(limit: Int)
        /// The input is longer than the limit, so none of it was parsed.
        case tooLarge(limit: Int)
        /// The value is complete but more than whitespace follows it.
        case trailingCharacters
        /// A `\u` escape is a UTF-16 surrogate without its partner, which is no Unicode scalar.
        case invalidUnicodeScalar
    }

    /// What kind of rule the document broke.
    public let kind: Kind
    /// The byte offset where it went wrong.
    public let offset: Int
    /// What would have been acceptable at `offset`, when that helps the sender fix the document.
    let hint: Hint?

    init(_ kind: Kind, at offset: Int, _ hint: Hint? = nil) {
        self.kind = kind
        self.offset = offset
        self.hint = hint
    }

    /// A short, human explanation with the byte offset, e.g.
    /// `invalid JSON at byte 12: unexpected ']', expected ',' or '}'`.
    public var description: String {
        let problem = "invalid JSON at byte \(offset): \(kind.problem)"
        guard let hint else { return problem }
        return "\(problem), \(hint.phrase)"
    }
}

extension JSONError.Kind {
    var problem: String {
        switch self {
        case .invalidUTF8: "not valid UTF-8"
        case .unexpectedEnd: "unexpected end of input"
        case .unexpectedCharacter(let byte): "unexpected \(Self.spell(byte))"
        case .invalidNumber: "invalid number"
        case .invalidEscape: "invalid escape sequence in string"
        case .controlCharacterInString: "unescaped control character in string"
        case .tooDeep(let limit): "arrays and objects nested deeper than \(limit) levels"
        case .tooLarge(let limit): "input longer than \(limit) bytes"
        case .trailingCharacters: "unexpected data after the JSON value"
        case .invalidUnicodeScalar: "\\u escape is a lone UTF-16 surrogate"
        }
    }

    /// A printable character is quoted as itself; anything else is shown as its hex value, so
    /// the message stays plain ASCII whatever the sender wrote.
    private static func spell(_ byte: UInt8) -> String {
        guard (0x21...0x7E).contains(byte) else {
            let hex = String(byte, radix: 16, uppercase: true)
            return "byte 0x\(hex.count < 2 ? "0" : "")\(hex)"
        }
        return "'\(Character(Unicode.Scalar(byte)))'"
    }
}
