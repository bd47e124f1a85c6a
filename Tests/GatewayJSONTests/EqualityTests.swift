import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// Equality: two values are equal exactly when they serialize to the same bytes.
    @Suite("Equality: structural, ordered and exact")
    struct EqualitySpec {
        @Test("objects with the same members in another order are different")
        func memberOrderMatters() {
            #expect(JSONValue.object([("a", 1), ("b", 2)]) != .object([("b", 2), ("a", 1)]))
            #expect(JSONValue.object([("a", 1), ("b", 2)]) == .object([("a", 1), ("b", 2)]))
        }

        @Test("duplicate members count")
        func duplicatesCount() {
            #expect(JSONValue.object([("a", 1)]) != .object([("a", 1), ("a", 1)]))
        }

        @Test("numbers compare by their text")
        func numbersByText() {
            #expect(JSONValue.number("1.0") != .number("1"))
            #expect(JSONValue.number("1e3") != .number("1E3"))
        }

        @Test("strings compare by Unicode scalars, so differently normalised text is different")
        func stringsByScalars() {
            #expect(JSONValue.string("é") != .string("e\u{301}"))
            #expect(JSONValue.object([("é", nil)]) != .object([("e\u{301}", nil)]))
        }

        @Test("different cases are different even when they look alike")
        func casesDiffer() {
            #expect(JSONValue.string("1") != .number("1"))
            #expect(JSONValue.string("null") != .null)
            #expect(JSONValue.array([]) != .object([]))
        }

        @Test("equal values hash equally, so sets and dictionary keys work")
        func hashing() {
            let make: () -> JSONValue = { ["id": 7, "tags": ["a", "b"], "on": true, "x": nil] }
            #expect(Set([make(), make()]).count == 1)
            #expect(make().hashValue == make().hashValue)
            #expect(Set<JSONValue>([["a": 1, "b": 2], ["b": 2, "a": 1], ["a": "1"]]).count == 3)
        }
    }
}
