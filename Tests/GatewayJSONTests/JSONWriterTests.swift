import GatewayJSON
import TestJSON
import Testing

extension GatewayJSONSpec {
    /// The writer of the one document built on every update.
    @Suite("JSONWriter: compact JSON that JSONDecoder reads back")
    struct JSONWriterSpec {
        @Test("an empty object is {}")
        func emptyObject() {
            #expect(JSONWriter.object { _ in } == Array("{}".utf8))
        }

        @Test("members of every kind, nested objects included, read back by JSONDecoder as written")
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
            #expect(String(decoding: bytes, as: UTF8.self) == #"{"name":"Xous \"net\"\n\\","zero":0,"negative":-7,"max":9223372036854775807,"min":-9223372036854775808,"yes":true,"no":false,"nothing":null,"inner":{"empty":{},"after":"é😀\u0001"},"last":10}"#)
            #expect(try JSONValue.parse(bytes) == expected)
            #expect(try JSONText(validating: bytes).members.map(\.key) == ["name", "zero", "negative", "max", "min", "yes", "no", "nothing", "inner", "last"])
        }

        @Test("integers print as Swift prints them, across magnitudes", arguments: [
            1, 9, 10, 99, 100, 12_345, -1, -10, -99_999, 1 << 40, -(1 << 62), Int.max - 1, Int.min + 1,
        ])
        func integers(value: Int) {
            #expect(JSONWriter.object { $0.member("n", value) } == Array(#"{"n":\#(value)}"#.utf8))
        }

        @Test("raw members go in as given, so an echoed value keeps its spelling")
        func rawMembers() {
            let bytes = JSONWriter.object {
                $0.member("command", "status")
                $0.member("transaction", raw: Array("2.50e1".utf8))
            }
            #expect(String(decoding: bytes, as: UTF8.self) == #"{"command":"status","transaction":2.50e1}"#)
            let appended = JSONWriter.appending([("id", Array("[1,2.50]".utf8)[...]), ("data", Array("{}".utf8)[...])], to: Array(#"{"a":1}"#.utf8))
            #expect(String(decoding: appended, as: UTF8.self) == #"{"a":1,"id":[1,2.50],"data":{}}"#)
            #expect(JSONWriter.appending([("id", Array("7".utf8)[...])], to: Array("{}".utf8)) == Array(#"{"id":7}"#.utf8))
        }

        @Test("quoted strings are one printable line whatever they hold")
        func quoted() {
            #expect(JSONWriter.quoted("evil\"\n\u{1b}[31m") == #""evil\"\n\u001b[31m""#)
        }

        @Test("keys are escaped like strings")
        func keysAreEscaped() {
            #expect(JSONWriter.object { $0.member("a\"b", 1) } == Array(#"{"a\"b":1}"#.utf8))
        }
    }
}
