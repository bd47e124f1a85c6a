import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// Documents RFC 8259 refuses, each with the error kind and offset a sender gets back.
    @Suite("Parsing invalid documents")
    struct InvalidDocumentSpec {
        /// An input, readable in test output, with the error it must produce.
        struct Case: CustomTestStringConvertible, Sendable {
            let bytes: [UInt8]
            let kind: JSONError.Kind
            let offset: Int
            let label: String

            init(_ text: String, _ kind: JSONError.Kind, at offset: Int) {
                self.init(bytes: Array(text.utf8), kind, at: offset, label: text)
            }

            init(bytes: [UInt8], _ kind: JSONError.Kind, at offset: Int, label: String? = nil) {
                self.bytes = bytes
                self.kind = kind
                self.offset = offset
                self.label = label ?? "bytes \(bytes.map { String($0, radix: 16) })"
            }

            var testDescription: String { "\(label.debugDescription) → \(kind) at \(offset)" }
        }

        static func character(_ scalar: Unicode.Scalar) -> JSONError.Kind {
            .unexpectedCharacter(UInt8(scalar.value))
        }

        static let grammar: [Case] = [
            Case(#"{"a":1,}"#, character("}"), at: 7),
            Case("[1,]", character("]"), at: 3),
            Case("[1,,2]", character(","), at: 3),
            Case("[1 2]", character("2"), at: 3),
            Case(#"{"a" 1}"#, character("1"), at: 5),
            Case(#"{"a":1 "b":2}"#, character("\""), at: 7),
            Case(#"{"a":}"#, character("}"), at: 5),
            Case("{1:2}", character("1"), at: 1),
            Case("{'a':1}", character("'"), at: 1),
            Case("]", character("]"), at: 0),
            Case("[}", character("}"), at: 1),
            Case("{} {}", .trailingCharacters, at: 3),
            Case("[1]]", .trailingCharacters, at: 3),
            Case("1 2", .trailingCharacters, at: 2),
            Case("nulll", .trailingCharacters, at: 4),
            Case("// comment\n1", character("/"), at: 0),
            Case("[1] // comment", .trailingCharacters, at: 4),
            Case("/* c */ 1", character("/"), at: 0),
            Case("tru", .unexpectedEnd, at: 3),
            Case("trUe", character("U"), at: 2),
            Case("True", character("T"), at: 0),
            Case("nul", .unexpectedEnd, at: 3),
            Case("", .unexpectedEnd, at: 0),
            Case(" \n\t ", .unexpectedEnd, at: 4),
            Case("\u{0C}1", .unexpectedCharacter(0x0C), at: 0),
            Case("\u{A0}1", .unexpectedCharacter(0xC2), at: 0),
            Case("\u{FEFF}{}", .unexpectedCharacter(0xEF), at: 0),
        ]

        static let numbers: [Case] = [
            Case("[01]", .invalidNumber, at: 2),
            Case("-012", .invalidNumber, at: 2),
            Case("NaN", character("N"), at: 0),
            Case("Infinity", character("I"), at: 0),
            Case("-Infinity", .invalidNumber, at: 1),
            Case("+1", character("+"), at: 0),
            Case(".5", character("."), at: 0),
            Case("[-]", .invalidNumber, at: 2),
            Case("1.e3", .invalidNumber, at: 2),
            Case("1.", .unexpectedEnd, at: 2),
            Case("1e", .unexpectedEnd, at: 2),
            Case("1e+", .unexpectedEnd, at: 3),
            Case("[1ex]", .invalidNumber, at: 3),
            Case("-", .unexpectedEnd, at: 1),
            Case("0x10", .trailingCharacters, at: 1),
            Case("1.5.2", .trailingCharacters, at: 3),
        ]

        static let strings: [Case] = [
            Case(#""\x""#, .invalidEscape, at: 1),
            Case(#""ab\'""#, .invalidEscape, at: 3),
            Case(#""\U0041""#, .invalidEscape, at: 1),
            Case(#""\u12G4""#, .invalidEscape, at: 1),
            Case(#""\u12""#, .invalidEscape, at: 1),
            Case(#""\ud800""#, .invalidUnicodeScalar, at: 1),
            Case(#""\udc00""#, .invalidUnicodeScalar, at: 1),
            Case(#""x\uDFFF\uD800""#, .invalidUnicodeScalar, at: 2),
            Case(#""\ud800\u0041""#, .invalidUnicodeScalar, at: 1),
            Case(#""\ud800\ud800""#, .invalidUnicodeScalar, at: 1),
            Case(#""\ud800\ue000""#, .invalidUnicodeScalar, at: 1),
            Case(#""\ud800x""#, .invalidUnicodeScalar, at: 1),
            Case(#""\ud800\n""#, .invalidUnicodeScalar, at: 1),
            Case(#""\ud800\uzzzz""#, .invalidEscape, at: 7),
            Case("\"a\nb\"", .controlCharacterInString, at: 2),
            Case("\"tab\there\"", .controlCharacterInString, at: 4),
            Case("{\"k\u{0}\":1}", .controlCharacterInString, at: 3),
            Case("\"\u{1F}\"", .controlCharacterInString, at: 1),
            Case(#""abc"#, .unexpectedEnd, at: 4),
            Case(#""\"#, .unexpectedEnd, at: 2),
            Case(#""\u00"#, .unexpectedEnd, at: 5),
        ]

        static let encodings: [Case] = [
            Case(bytes: [0xC3, 0x28], .invalidUTF8, at: 0),
            Case(bytes: [0xFF], .invalidUTF8, at: 0),
            Case(bytes: Array(#"["ok","#.utf8) + [0x22, 0xFE, 0x22, 0x5D], .invalidUTF8, at: 7),
            Case(bytes: [0x22, 0x61, 0x62, 0xC3], .invalidUTF8, at: 3, label: "string cut inside é"),
            Case(bytes: [0xC0, 0xAF], .invalidUTF8, at: 0, label: "overlong '/'"),
            Case(bytes: [0xE0, 0x80, 0xAF], .invalidUTF8, at: 0, label: "overlong '/' in three bytes"),
            Case(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, at: 1, label: "encoded surrogate"),
            Case(bytes: [0xF4, 0x90, 0x80, 0x80], .invalidUTF8, at: 0, label: "above U+10FFFF"),
            Case(bytes: [0x80], .invalidUTF8, at: 0, label: "lone continuation byte"),
            // Encoding is checked before grammar: the earlier grammar error is not reported.
            Case(bytes: Array("}}".utf8) + [0xFF], .invalidUTF8, at: 2, label: "garbage and then bad UTF-8"),
        ]

        @Test("grammar violations: trailing commas, missing separators, comments, bad literals, trailing data",
              arguments: grammar)
        func grammarViolations(_ example: Case) {
            expect(example)
        }

        @Test("numbers outside RFC 8259: leading zeros and '+', NaN, Infinity, missing digits", arguments: numbers)
        func invalidNumbers(_ example: Case) {
            expect(example)
        }

        @Test("strings with bad escapes, lone surrogates, raw control characters or no end", arguments: strings)
        func invalidStrings(_ example: Case) {
            expect(example)
        }

        @Test("input that is not UTF-8 is refused where the encoding breaks", arguments: encodings)
        func invalidEncodings(_ example: Case) {
            expect(example)
        }

        private func expect(_ example: Case, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = parseError(example.bytes)
            #expect(error?.kind == example.kind, sourceLocation: sourceLocation)
            #expect(error?.offset == example.offset, sourceLocation: sourceLocation)
        }
    }
}
