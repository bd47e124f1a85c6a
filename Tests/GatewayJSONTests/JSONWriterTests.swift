import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// The writer that builds hot-path payloads without a `JSONValue`.
    @Suite("JSONWriter: the same bytes as serializing a document")
    struct JSONWriterSpec {
        @Test("an empty object is {}")
        func emptyObject() {
            #expect(JSONWriter.object { _ in } == Array("{}".utf8))
        }

        @Test("members of every kind, nested objects included, match JSONValue's serialization")
        func matchesSerialization() throws {
            let bytes = JSONWriter.object { object in
                object.member("name", "Xous \"net\"\n\\")
                object.member("zero", 0)
                object.member("negative", -7)
                object.member("max", Int.max)
                object.member("min", Int.min)
                object.member("yes", true)
                object.member("no", false)
                object.nullMember("nothing")
                object.member("inner") { inner in
                    inner.member("empty") { _ in }
                    inner.member("after", "é😀\u{1}")
                }
                object.member("last", 10)
            }
            let expected = JSONValue.object([
                ("name", .string("Xous \"net\"\n\\")), ("zero", .int(0)), ("negative", .int(-7)),
                ("max", .int(Int.max)), ("min", .int(Int.min)), ("yes", .bool(true)), ("no", .bool(false)),
                ("nothing", .null),
                ("inner", .object([("empty", .object([])), ("after", .string("é😀\u{1}"))])),
                ("last", .int(10)),
            ])
            #expect(String(decoding: bytes, as: UTF8.self) == expected.serialized)
            #expect(try JSONParser.parse(bytes) == expected)
        }

        @Test("integers print as Swift prints them, across magnitudes", arguments: [
            1, 9, 10, 99, 100, 12_345, -1, -10, -99_999, 1 << 40, -(1 << 62), Int.max - 1, Int.min + 1,
        ])
        func integers(value: Int) {
            #expect(JSONWriter.object { $0.member("n", value) } == Array(#"{"n":\#(value)}"#.utf8))
        }

        @Test("keys are escaped like strings")
        func keysAreEscaped() {
            #expect(JSONWriter.object { $0.member("a\"b", 1) } == Array(#"{"a\"b":1}"#.utf8))
        }
    }
}
