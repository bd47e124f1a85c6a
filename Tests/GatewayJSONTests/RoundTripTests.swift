import GatewayJSON
import PropertyBased
import Testing

extension GatewayJSONSpec {
    /// Whatever the gateway serializes, a JSON parser reads back as the same value.
    @Suite("Round trips of random values")
    struct RoundTripSpec {
        @Test("parsing a random value's serialization gives the value back")
        func parseInvertsSerialize() async {
            await propertyCheck(count: 3000, input: RandomJSON.values) { value in
                #expect(expectValue(value.serializedBytes) == value)
            }
        }

        @Test("serializing a parsed serialization reproduces it byte for byte")
        func serializationIsAFixedPoint() async {
            await propertyCheck(count: 2000, input: RandomJSON.values) { value in
                let text = value.serialized
                #expect(expectValue(text)?.serialized == text)
            }
        }

        @Test("serialization never contains a raw control character, whatever the strings hold")
        func noRawControlCharacters() async {
            await propertyCheck(count: 2000, input: RandomJSON.values) { value in
                #expect(value.serializedBytes.allSatisfy { $0 >= 0x20 })
            }
        }

        @Test("random strings, control characters and non-BMP scalars included, survive as keys and values")
        func stringsSurvive() async {
            let strings = Generator<String, Shrink.None<String>> { rng in RandomJSON.string(using: &rng) }
            await propertyCheck(count: 3000, input: strings) { text in
                let value = JSONValue.object([(text, .string(text))])
                let reparsed = expectValue(value.serialized)
                #expect(reparsed?[text]?.stringValue.map { Array($0.unicodeScalars) } == Array(text.unicodeScalars))
            }
        }

        @Test("random number text from the whole RFC 8259 grammar is accepted and kept verbatim")
        func numberTextSurvives() async {
            let numbers = Generator<String, Shrink.None<String>> { rng in RandomJSON.numberText(using: &rng) }
            await propertyCheck(count: 3000, input: numbers) { text in
                let value = expectValue(text)
                #expect(value == .number(text))
                #expect(value?.serialized == text)
            }
        }
    }
}
