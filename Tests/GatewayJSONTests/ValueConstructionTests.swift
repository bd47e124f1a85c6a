import GatewayJSON
import PropertyBased
import Testing

extension GatewayJSONSpec {
    /// Building values in code, and reading them back.
    @Suite("Values: constructors, literals and accessors")
    struct ValueConstructionSpec {
        @Test("int(_:) is the integer's decimal text, across the whole Int range")
        func integers() {
            #expect(JSONValue.int(42) == .number("42"))
            #expect(JSONValue.int(-7) == .number("-7"))
            #expect(JSONValue.int(.max).serialized == "9223372036854775807")
            #expect(JSONValue.int(.min).serialized == "-9223372036854775808")
        }

        @Test(
            "double(_:) is the shortest text that reads back as the same double",
            arguments: [
                (0.1, "0.1"), (1.0, "1.0"), (-0.0, "-0.0"), (1e20, "1e+20"), (1e-5, "1e-05"),
                (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            ])
        func doubles(value: Double, text: String) {
            #expect(JSONValue.double(value) == .number(text))
        }

        @Test("double(_:) is null for infinities and NaN, which JSON cannot express",
              arguments: [Double.infinity, -.infinity, .nan, .signalingNaN])
        func nonFiniteDoubles(value: Double) {
            #expect(JSONValue.double(value) == .null)
        }

        @Test("every finite double serializes as valid JSON that reads back as the same double")
        func doublesRoundTrip() async {
            let doubles = Generator<Double, Shrink.None<Double>> { rng in RandomJSON.finiteDouble(using: &rng) }
            await propertyCheck(count: 3000, input: doubles) { value in
                let json = JSONValue.double(value)
                #expect(expectValue(json.serialized) == json)
                guard case .number(let text) = json else {
                    Issue.record("\(value) gave \(json)")
                    return
                }
                #expect(Double(text)?.bitPattern == value.bitPattern)
            }
        }

        @Test("literals build the matching case, dictionary literals keeping their order")
        func literals() {
            let null: JSONValue = nil
            let flag: JSONValue = true
            let count: JSONValue = 3
            let name: JSONValue = "gw"
            let list: JSONValue = [1, "two", nil]
            let object: JSONValue = ["z": 1, "a": 2, "m": 3]
            #expect(null == .null)
            #expect(flag == .bool(true))
            #expect(count == .number("3"))
            #expect(name == .string("gw"))
            #expect(list == .array([.number("1"), .string("two"), .null]))
            #expect(object == .object([("z", .number("1")), ("a", .number("2")), ("m", .number("3"))]))
        }

        @Test("subscript finds the first member with the key, and is nil for other keys and non-objects")
        func subscriptLookup() {
            let value = JSONValue.object([("a", 1), ("b", 2), ("a", 3)])
            #expect(value["a"] == 1)
            #expect(value["b"] == 2)
            #expect(value["c"] == nil)
            #expect(JSONValue.array([1])["a"] == nil)
            #expect(JSONValue.string("a")["a"] == nil)
        }

        @Test("keys match by exact Unicode scalars, not canonical equivalence")
        func subscriptIsExact() {
            let value: JSONValue = ["e\u{301}": 1, "é": 2]
            #expect(value["é"] == 2)
            #expect(value["e\u{301}"] == 1)
        }

        @Test("stringValue, boolValue and isNull answer only for their own case")
        func typedAccessors() {
            #expect(JSONValue.string("x").stringValue == "x")
            #expect(JSONValue.number("1").stringValue == nil)
            #expect(JSONValue.bool(false).boolValue == false)
            #expect(JSONValue.string("true").boolValue == nil)
            #expect(JSONValue.null.isNull)
            #expect(!JSONValue.string("null").isNull)
            #expect(!JSONValue.bool(false).isNull)
        }

        @Test(
            "intValue is the exact integer for whole numbers in range, however they are spelt",
            arguments: [
                ("42", 42), ("-0", 0), ("1.50e3", 1500), ("1500.000", 1500), ("100e-2", 1), ("1E+2", 100),
                ("0.0e-7", 0), ("0e999999999999999999999", 0), ("9223372036854775807", Int.max),
                ("-9223372036854775808", Int.min), ("922337203685477580.7e1", Int.max),
                ("9007199254740993", 9_007_199_254_740_993),
            ] as [(String, Int)])
        func wholeNumbers(text: String, expected: Int) {
            #expect(JSONValue.number(text).intValue == expected)
        }

        @Test(
            "intValue is nil for fractions, out-of-range numbers, invalid text and non-numbers",
            arguments: [
                JSONValue.number("1.5"), .number("1e-1"), .number("9223372036854775808"),
                .number("-9223372036854775809"), .number("1e19"), .number("1e999999999999"), .number("+1"),
                .number("01"), .number(" 1"), .string("1"), .bool(true), .null,
            ])
        func notWholeNumbers(value: JSONValue) {
            #expect(value.intValue == nil)
        }
    }
}
