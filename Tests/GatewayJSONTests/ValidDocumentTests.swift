import GatewayJSON
import PropertyBased
import TestJSON
import Testing

extension GatewayJSONSpec {
    /// Documents RFC 8259 accepts, the examples of its section 13 first; Foundation's
    /// JSONDecoder reads each the same way.
    @Suite("Checking valid documents")
    struct ValidDocumentSpec {
        static let rfcImage = """
            {
                  "Image": {
                      "Width":  800,
                      "Height": 600,
                      "Title":  "View from 15th Floor",
                      "Thumbnail": {
                          "Url":    "http://www.example.com/image/481989943",
                          "Height": 125,
                          "Width":  100
                      },
                      "Animated" : false,
                      "IDs": [116, 943, 234, 38793]
                    }
              }
            """

        static let rfcLocations = """
            [
                    {
                       "precision": "zip",
                       "Latitude":  37.7668,
                       "Longitude": -122.3959,
                       "Address":   "",
                       "City":      "SAN FRANCISCO",
                       "State":     "CA",
                       "Zip":       "94107",
                       "Country":   "US"
                    },
                    {
                       "precision": "zip",
                       "Latitude":  37.371991,
                       "Longitude": -122.026020,
                       "Address":   "",
                       "City":      "SUNNYVALE",
                       "State":     "CA",
                       "Zip":       "94085",
                       "Country":   "US"
                    }
            ]
            """

        @Test("the RFC 8259 image example is one object whose member is found with its exact text")
        func rfcImageExample() throws {
            let text = try JSONText(validating: Self.rfcImage)
            #expect(text.kind == .object)
            #expect(text.members.map(\.key) == ["Image"])
            let image = try #require(text[raw: "Image"])
            let inner = try JSONText(validating: image)
            #expect(inner.members.map(\.key) == ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"])
            #expect(inner.members.map(\.kind) == [.number, .number, .string, .object, .bool, .array])
            #expect(inner.member("Title")?.string == "View from 15th Floor")
            #expect(String(decoding: inner[raw: "IDs"]!, as: UTF8.self) == "[116, 943, 234, 38793]")
            let value = try JSONValue.parse(Self.rfcImage)
            #expect(value["Image"]?["Thumbnail"]?["Url"] == "http://www.example.com/image/481989943")
        }

        @Test("the RFC 8259 locations example is an array, with no members to locate")
        func rfcLocationsExample() throws {
            let text = try JSONText(validating: Self.rfcLocations)
            #expect(text.kind == .array)
            #expect(text.members.isEmpty)
            guard case .array(let places) = try JSONValue.parse(Self.rfcLocations) else {
                Issue.record("JSONDecoder did not read an array")
                return
            }
            #expect(places.count == 2)
        }

        @Test(
            "any value may be the whole document, with whitespace around it",
            arguments: [
                (#""Hello world!""#, .string), ("42", .number), ("true", .bool), ("false", .bool), ("null", .null),
                (" \t\r\n\"subscribe\"\n", .string), ("-0", .number), ("[]", .array), ("{}", .object), (" [ ] ", .array),
                ("{ \"a\" : [ 1 , { } ] }", .object),
            ] as [(String, JSONKind)])
        func topLevelValues(text: String, kind: JSONKind) throws {
            #expect(try JSONText(validating: text).kind == kind)
        }

        @Test(
            "escapes in keys and strings decode to the characters they name",
            arguments: [
                (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"), (#""\u0041\u00e9\u4E2D""#, "Aé中"),
                (#""\u0000""#, "\u{0}"), (#""\ud83d\ude00""#, "😀"), (#""\uD834\uDD1E""#, "𝄞"),
                (#""a\nb""#, "a\nb"), (#""\uffff""#, "\u{FFFF}"), (#""\udbff\udfff""#, "\u{10FFFF}"),
            ])
        func escapes(text: String, expected: String) throws {
            let document = try JSONText(validating: "{\(text):\(text)}")
            #expect(document.members.first?.key == expected)
            #expect(document.members.first?.string == expected)
            #expect(try JSONValue.parse(text) == .string(expected))
        }

        @Test("raw UTF-8, DEL and every printable ASCII character are allowed in strings")
        func rawCharacters() throws {
            let printable = String(decoding: (UInt8(0x20)...0x7F).filter { $0 != 0x22 && $0 != 0x5C }, as: UTF8.self)
            let text = printable + "é中😀"
            #expect(try JSONText(validating: "{\"s\":\"\(text)\"}").member("s")?.string == text)
        }

        @Test("duplicate keys are all kept, in document order; a lookup takes the first")
        func duplicateKeys() throws {
            let text = try JSONText(validating: #"{"a":1,"b":2,"a":3}"#)
            #expect(text.members.map(\.key) == ["a", "b", "a"])
            #expect(text[raw: "a"].map { Array($0) } == Array("1".utf8))
        }

        @Test("a member's range is its value's exact text, numbers as written")
        func memberRanges() throws {
            let text = try JSONText(validating: #" { "t" : {"id":[1,2.50e1,"x"]} , "n":-0.0E+0,"s":"a\u0062" } "#)
            #expect(text.members.map { String(decoding: text.raw($0), as: UTF8.self) } == [#"{"id":[1,2.50e1,"x"]}"#, "-0.0E+0", #""a\u0062""#])
            #expect(text.members.map(\.string) == [nil, nil, "ab"])
        }

        @Test("bytes in any collection check like the same text")
        func byteCollections() throws {
            let text = #"{"k":[1,"v"]}"#
            #expect(try JSONText(validating: ArraySlice(Array("xx\(text)".utf8).dropFirst(2))).members.map(\.key) == ["k"])
            #expect(try JSONText(validating: text.utf8.lazy.map { $0 }).members.map(\.key) == ["k"])
        }

        @Test("random documents are accepted, their members located key by key and byte for byte, and JSONDecoder agrees")
        func randomDocuments() async {
            await propertyCheck(count: 3000, input: RandomJSON.documents) { document in
                let bytes = Array(document.text.utf8)
                guard let text = expectText(bytes) else { return }
                #expect((try? JSONValue.parse(bytes)) != nil, "JSONDecoder refused \(document.text)")
                if let members = document.members {
                    #expect(text.members.map { Array($0.key.unicodeScalars) } == members.map { Array($0.key.unicodeScalars) })
                    #expect(text.members.map { Array(text.raw($0)) } == members.map { Array($0.text.utf8) })
                }
            }
        }
    }
}
