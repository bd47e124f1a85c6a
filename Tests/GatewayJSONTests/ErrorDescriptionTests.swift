import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// Error descriptions go back to the sender in an MQTT error response.
    @Suite("Error descriptions")
    struct ErrorDescriptionSpec {
        @Test(
            "descriptions say where and what went wrong, and what was expected",
            arguments: [
                (#"{"a":1 "b":2}"#, #"invalid JSON at byte 7: unexpected '"', expected ',' or '}'"#),
                ("[1,]", "invalid JSON at byte 3: unexpected ']', expected a value"),
                (#"{"a":1,}"#, "invalid JSON at byte 7: unexpected '}', expected a string key"),
                ("[01]", "invalid JSON at byte 2: invalid number, leading zeros are not allowed"),
                (#"{"a""#, "invalid JSON at byte 4: unexpected end of input, expected ':'"),
                ("tru", "invalid JSON at byte 3: unexpected end of input, expected 'true'"),
                ("{} {}", "invalid JSON at byte 3: unexpected data after the JSON value, expected end of input"),
                (#""\ud800""#, #"invalid JSON at byte 1: \u escape is a lone UTF-16 surrogate, expected a low surrogate escape \uDC00-\uDFFF to follow"#),
            ])
        func descriptions(text: String, expected: String) {
            #expect(parseError(text)?.description == expected)
        }

        @Test("every kind of error mentions its byte offset")
        func offsetsMentioned() {
            let inputs: [[UInt8]] = [
                [0xC3, 0x28], Array("[".utf8), Array("[x]".utf8), Array("[-]".utf8), Array(#""\x""#.utf8),
                Array("\"\n\"".utf8), Array("[[[".utf8), Array("1 1".utf8), Array(#""\udc00""#.utf8),
            ]
            let limits = JSONLimits(maxDepth: 2)
            var kinds: [JSONError.Kind] = []
            for bytes in inputs {
                guard let error = parseError(bytes, limits: limits) else {
                    Issue.record("\(bytes) parsed")
                    continue
                }
                kinds.append(error.kind)
                #expect(error.description.hasPrefix("invalid JSON at byte \(error.offset): "))
            }
            let tooLarge = parseError("[1]", limits: .init(maxBytes: 2))
            #expect(tooLarge?.description == "invalid JSON at byte 2: input longer than 2 bytes")
            #expect(Set(kinds.map { "\($0)".prefix { $0 != "(" } }).count == inputs.count)
        }

        @Test("a non-printable byte is named by its hex value, never sent back raw")
        func nonPrintableBytes() {
            let error = parseError([0x5B, 0x0C, 0x5D])
            #expect(error?.kind == .unexpectedCharacter(0x0C))
            #expect(error?.description == "invalid JSON at byte 1: unexpected byte 0x0C, expected a value")
            #expect(parseError("\u{7F}")?.description.contains("byte 0x7F") == true)
        }

        @Test("the sender's text is not echoed back")
        func inputNotEchoed() throws {
            let error = try #require(parseError(#"{"password-hunter2": tru}"#))
            #expect(!error.description.contains("hunter2"))
            #expect(!error.description.contains("password"))
        }
    }
}
