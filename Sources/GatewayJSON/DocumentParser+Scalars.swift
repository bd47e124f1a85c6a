extension DocumentParser {
    /// `true`, `false` or `null`, byte by byte, so that a cut-off literal (`tru`) reads as
    /// truncated and a misspelt one (`trUe`) points at the wrong byte.
    mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONError) -> JSONValue {
        let hint = JSONError.Hint.literal("\(word)")
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, hint) }
            guard byte == expected else { throw JSONError(.unexpectedCharacter(byte), at: position, hint) }
            position += 1
        }
        return value
    }

    /// A number, kept as its text.
    mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = position
        position = try NumberGrammar.end(ofNumberIn: bytes, from: start)
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
    }
}
