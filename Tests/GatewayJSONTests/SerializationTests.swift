import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// Serialization: what goes onto the broker.
    @Suite("Serialization: compact, ordered, minimally escaped")
    struct SerializationSpec {
        @Test(
            "scalars serialize as their JSON literal",
            arguments: [
                (JSONValue.null, "null"), (.bool(true), "true"), (.bool(false), "false"),
                (.number("-12.5e+3"), "-12.5e+3"), (.int(0), "0"), (.string(""), #""""#),
                (.string("subscribe"), #""subscribe""#),
            ])
        func scalars(value: JSONValue, expected: String) {
            #expect(value.serialized == expected)
        }

        @Test("arrays and objects have no spaces and keep members in insertion order")
        func containersAreCompactAndOrdered() {
            let payload: JSONValue = [
                "zulu": 1, "alpha": [true, nil, "x"], "mike": ["inner": [], "empty": [:]],
            ]
            #expect(payload.serialized == #"{"zulu":1,"alpha":[true,null,"x"],"mike":{"inner":[],"empty":{}}}"#)
        }

        @Test("duplicate keys are written as given, in place")
        func duplicateKeys() {
            let value = JSONValue.object([("a", 1), ("b", 2), ("a", 3)])
            #expect(value.serialized == #"{"a":1,"b":2,"a":3}"#)
        }

        @Test("quote and backslash are escaped with a backslash")
        func quoteAndBackslash() {
            #expect(JSONValue.string(#"say "hi" \ bye"#).serialized == #""say \"hi\" \\ bye""#)
        }

        @Test("every control character U+0000–U+001F is escaped, short forms where JSON has them")
        func controlCharacters() {
            let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
            for byte in UInt8(0x00)...0x1F {
                let hex = String(byte, radix: 16)
                let expected = short[byte] ?? #"\u00"# + (hex.count == 1 ? "0" : "") + hex
                #expect(JSONValue.string(String(Unicode.Scalar(byte))).serialized == "\"\(expected)\"")
            }
            #expect(JSONValue.string("\u{1F}\u{1B}").serialized == #""\u001f\u001b""#)
        }

        @Test("slash, DEL, non-ASCII and non-BMP characters are written as raw UTF-8")
        func rawUTF8() {
            let text = "a/b\u{7F} é 中 😀"
            #expect(JSONValue.string(text).serializedBytes == Array("\"\(text)\"".utf8))
        }

        @Test("object keys are escaped like any string")
        func keysAreEscaped() {
            #expect(JSONValue.object([("line\n\"key\"", nil)]).serialized == #"{"line\n\"key\"":null}"#)
        }

        @Test("serializedBytes are exactly the UTF-8 of serialized")
        func bytesMatchText() {
            let value: JSONValue = ["name": "Zoë 😀", "values": [1, .double(2.5), "nul\u{0}"]]
            #expect(value.serializedBytes == Array(value.serialized.utf8))
        }

        @Test(
            "number text that is not an RFC 8259 number serializes as null rather than corrupting the payload",
            arguments: ["", "abc", "01", "+1", "1.", ".5", "1e", "0x10", "NaN", "-", "1 ", "Infinity"])
        func invalidNumberTextIsNull(text: String) {
            #expect(JSONValue.number(text).serialized == "null")
            #expect(JSONValue.array([.number(text)]).serialized == "[null]")
        }
    }
}
