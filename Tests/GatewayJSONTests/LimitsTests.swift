import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// What a hostile sender can make the parser do is bounded.
    @Suite("Limits: depth and size")
    struct LimitsSpec {
        @Test("100,000 nested '[' is refused as too deep, at the first bracket past the limit")
        func deepArrays() {
            let error = parseError([UInt8](repeating: UInt8(ascii: "["), count: 100_000))
            #expect(error?.kind == .tooDeep(limit: 64))
            #expect(error?.offset == 64)
        }

        @Test("100,000 nested objects are refused as too deep")
        func deepObjects() {
            let error = parseError(String(repeating: #"{"a":"#, count: 100_000))
            #expect(error?.kind == .tooDeep(limit: 64))
            #expect(error?.offset == 64 * 5)
        }

        @Test("with the depth limit lifted, 100,000 nested '[' still cannot overflow the stack")
        func deepArraysWithoutLimit() {
            let limits = JSONLimits(maxDepth: 200_000)
            let error = parseError([UInt8](repeating: UInt8(ascii: "["), count: 100_000), limits: limits)
            #expect(error?.kind == .unexpectedEnd)
            #expect(error?.offset == 100_000)
        }

        @Test("nesting exactly maxDepth deep parses; one level more does not, empty containers included")
        func depthBoundary() throws {
            let sixtyFour = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
            #expect(try JSONText(validating: sixtyFour).kind == .array)
            let error = parseError("[" + sixtyFour + "]")
            #expect(error?.kind == .tooDeep(limit: 64))
            #expect(error?.offset == 64)
        }

        @Test(
            "a custom maxDepth counts arrays and objects alike; scalars are depth 0",
            arguments: [
                (0, "1", nil), (0, "[]", 0), (0, "{}", 0), (2, #"[{"a":1}]"#, nil), (2, #"[{"a":[]}]"#, 6),
                (2, #"{"a":{"b":{}}}"#, 10),
            ] as [(Int, String, Int?)])
        func customDepth(maxDepth: Int, text: String, failsAt offset: Int?) {
            let error = parseError(text, limits: .init(maxDepth: maxDepth))
            #expect(error?.offset == offset)
            #expect(error.map { $0.kind == .tooDeep(limit: maxDepth) } ?? true)
        }

        @Test("a 2 MB input is refused as too large before any of it is read")
        func tooLarge() {
            let valid = Array(#"[""#.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 2 << 20) + Array(#""]"#.utf8)
            let error = parseError(valid)
            #expect(error?.kind == .tooLarge(limit: 1 << 20))
            #expect(error?.offset == 1 << 20)
            // Not even its encoding is checked.
            #expect(parseError([UInt8](repeating: 0xFF, count: 2 << 20))?.kind == .tooLarge(limit: 1 << 20))
        }

        @Test("an input of exactly maxBytes is accepted, one byte more is not")
        func sizeBoundary() {
            let limits = JSONLimits(maxBytes: 5)
            #expect(parseError(#""abc""#, limits: limits) == nil)
            #expect(parseError(#" "abc""#, limits: limits)?.kind == .tooLarge(limit: 5))
            #expect(parseError("\"é\"", limits: .init(maxBytes: 3))?.kind == .tooLarge(limit: 3))
        }

        @Test("a document just under the default size limit parses in one pass")
        func largeDocument() throws {
            let count = 100_000
            let text = "[" + String(repeating: #"{"k":1},"#, count: count - 1) + #"{"k":1}]"#
            #expect(text.utf8.count < 1 << 20)
            #expect(try JSONText(validating: text).kind == .array)
            let object = "{" + (0..<count / 10).map { #""k\#($0)":[1]"# }.joined(separator: ",") + "}"
            #expect(try JSONText(validating: object).members.count == count / 10)
            let long = "\"" + String(repeating: "x\\n", count: 300_000) + "\""
            #expect(try JSONText(validating: #"{"s":"# + long + "}").member("s")?.string?.utf8.count == 600_000)
        }
    }
}
