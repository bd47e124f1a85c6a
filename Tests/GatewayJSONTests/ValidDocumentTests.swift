import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// Documents RFC 8259 accepts, the examples of its section 13 first.
    @Suite("Parsing valid documents")
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

        @Test("the RFC 8259 image example parses with its members in document order")
        func rfcImageExample() throws {
            let value = try JSONParser.parse(Self.rfcImage)
            let image = try #require(value["Image"])
            #expect(image["Width"]?.intValue == 800)
            #expect(image["Title"]?.stringValue == "View from 15th Floor")
            #expect(image["Thumbnail"]?["Url"]?.stringValue == "http://www.example.com/image/481989943")
            #expect(image["Animated"]?.boolValue == false)
            #expect(image["IDs"] == [116, 943, 234, 38793])
            guard case .object(let members) = image else {
                Issue.record("Image is \(image)")
                return
            }
            #expect(members.map(\.0) == ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"])
            #expect(value.serialized.hasPrefix(#"{"Image":{"Width":800,"Height":600,"Title":"View from 15th Floor","#))
        }

        @Test("the RFC 8259 locations example parses with numbers kept as written")
        func rfcLocationsExample() throws {
            let value = try JSONParser.parse(Self.rfcLocations)
            guard case .array(let places) = value else {
                Issue.record("not an array: \(value)")
                return
            }
            #expect(places.count == 2)
            #expect(places[1]["City"] == "SUNNYVALE")
            #expect(places[1]["Longitude"] == .number("-122.026020"))
            #expect(places[0]["Address"] == "")
        }

        @Test(
            "any value may be the whole document, with whitespace around it",
            arguments: [
                (#""Hello world!""#, "Hello world!"), ("42", 42), ("true", true),
                ("false", false), ("null", nil), (" \t\r\n\"subscribe\"\n", "subscribe"), ("-0", .number("-0")),
                ("[]", []), ("{}", [:]), (" [ ] ", []), ("{ \"a\" : [ 1 , { } ] }", ["a": [1, [:]]]),
            ] as [(String, JSONValue)])
        func topLevelValues(text: String, expected: JSONValue) throws {
            #expect(try JSONParser.parse(text) == expected)
        }

        @Test(
            "escapes decode to the characters they name",
            arguments: [
                (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"), (#""\u0041\u00e9\u4E2D""#, "Aé中"),
                (#""\u0000""#, "\u{0}"), (#""\ud83d\ude00""#, "😀"), (#""\uD834\uDD1E""#, "𝄞"),
                (#""a\nb""#, "a\nb"), (#""\uffff""#, "\u{FFFF}"), (#""\udbff\udfff""#, "\u{10FFFF}"),
            ])
        func escapes(text: String, expected: String) throws {
            #expect(try JSONParser.parse(text) == .string(expected))
        }

        @Test("raw UTF-8, DEL and every printable ASCII character are allowed in strings")
        func rawCharacters() throws {
            let printable = String(decoding: (UInt8(0x20)...0x7F).filter { $0 != 0x22 && $0 != 0x5C }, as: UTF8.self)
            let text = printable + "é中😀"
            #expect(try JSONParser.parse("\"\(text)\"") == .string(text))
        }

        @Test("duplicate keys are all kept, in document order")
        func duplicateKeys() throws {
            let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
            #expect(value == .object([("a", 1), ("b", 2), ("a", 3)]))
            #expect(value["a"] == 1)
        }

        @Test("bytes in any collection parse like the same text")
        func byteCollections() throws {
            let text = #"{"k":[1,"v"]}"#
            let expected = try JSONParser.parse(text)
            #expect(try JSONParser.parse(Array(text.utf8)) == expected)
            #expect(try JSONParser.parse(ArraySlice(Array("xx\(text)".utf8).dropFirst(2))) == expected)
            // Not contiguous: takes the copying path.
            #expect(try JSONParser.parse(text.utf8.lazy.map { $0 }) == expected)
        }
    }
}
