import GatewayJSON
import PropertyBased
import Testing

extension GatewayJSONSpec {
    /// Garbage from the broker: never a crash, always a clear refusal or a faithful value.
    @Suite("Random input")
    struct RandomInputSpec {
        @Test("random bytes either fail with a located error or give a value that round-trips")
        func randomBytes() async {
            await propertyCheck(count: 3000, input: Gen.uint8().array(of: 0...300)) { bytes in
                expectParsesConsistently(bytes)
            }
        }

        @Test("random strings of JSON punctuation and keywords either fail cleanly or round-trip")
        func jsonishBytes() async {
            await propertyCheck(count: 5000, input: RandomJSON.jsonishBytes) { bytes in
                expectParsesConsistently(bytes)
            }
        }

        @Test("valid documents with a few bytes changed either fail cleanly or round-trip")
        func mutatedDocuments() async {
            await propertyCheck(count: 5000, input: RandomJSON.mutatedDocuments) { bytes in
                expectParsesConsistently(bytes)
            }
        }

        @Test("input is refused as invalid UTF-8 exactly when the standard library's decoder refuses it, at the same byte")
        func utf8AgreesWithStandardLibrary() async {
            // Mostly multi-byte lead and continuation bytes, so that well-formed sequences occur too.
            let interesting: [UInt8] = [
                0x22, 0x61, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF,
                0xF0, 0xF4, 0xF5, 0xFF,
            ]
            let bytes = Generator<[UInt8], Shrink.None<[UInt8]>> { rng in
                (0..<Int.random(in: 0...12, using: &rng)).map { _ in interesting.randomElement(using: &rng)! }
            }
            await propertyCheck(count: 5000, input: bytes) { bytes in
                let expected = standardLibraryFirstInvalidUTF8Offset(bytes)
                let error = parseError(bytes)
                if let expected {
                    #expect(error?.kind == .invalidUTF8)
                    #expect(error?.offset == expected)
                } else {
                    #expect(error?.kind != .invalidUTF8)
                }
            }
        }
    }
}

