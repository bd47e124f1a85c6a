/// The parse of one document, over bytes already known to be UTF-8.
///
/// Iterative: open arrays and objects live on an explicit stack, never the call stack, so depth
/// is limited by `maxDepth` alone and a deep document is an error, not a crash.
struct DocumentParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        var open: [OpenContainer] = []
        nextValue: while true {
            skipWhitespace()
            // Either a complete value (a scalar or an empty container), or a newly opened
            // container whose first element comes next.
            guard var value = try parseValueOrOpen(onto: &open) else { continue nextValue }
            // Hand the value to the innermost container; each container it closes is itself a
            // value for the one around it.
            while let innermost = open.indices.last {
                open[innermost].append(value)
                skipWhitespace()
                let afterElement: JSONError.Hint = open[innermost].isObject ? .commaOrObjectEnd : .commaOrArrayEnd
                guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, afterElement) }
                position += 1
                if byte == ASCII.comma {
                    if open[innermost].isObject {
                        open[innermost].pendingKey = try parseKeyAndColon(hint: .key)
                    }
                    continue nextValue
                }
                guard byte == open[innermost].closer else {
                    throw JSONError(.unexpectedCharacter(byte), at: position - 1, afterElement)
                }
                value = open.removeLast().close()
            }
            skipWhitespace()
            guard position == bytes.count else { throw JSONError(.trailingCharacters, at: position, .endOfInput) }
            return value
        }
    }

    /// A scalar or empty container as a value; for a non-empty container, `nil` after pushing it.
    private mutating func parseValueOrOpen(onto open: inout [OpenContainer]) throws(JSONError) -> JSONValue? {
        guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, .value) }
        switch byte {
        case ASCII.openBracket:
            try enterContainer(depth: open.count)
            guard let next = peek() else { throw JSONError(.unexpectedEnd, at: position, .valueOrArrayEnd) }
            if next == ASCII.closeBracket {
                position += 1
                return .array([])
            }
            open.append(.array())
            return nil
        case ASCII.openBrace:
            try enterContainer(depth: open.count)
            if peek() == ASCII.closeBrace {
                position += 1
                return .object([])
            }
            open.append(.object(firstKey: try parseKeyAndColon(hint: .keyOrObjectEnd)))
            return nil
        case ASCII.quote:
            return .string(try parseString())
        case UInt8(ascii: "t"):
            return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"):
            return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"):
            return try parseLiteral("null", .null)
        case ASCII.minus, ASCII.zero...ASCII.nine:
            return try parseNumber()
        default:
            throw JSONError(.unexpectedCharacter(byte), at: position, .value)
        }
    }

    /// Checks the depth before anything of the container is read, then steps past its bracket
    /// and any whitespace.
    private mutating func enterContainer(depth: Int) throws(JSONError) {
        guard depth < maxDepth else { throw JSONError(.tooDeep(limit: maxDepth), at: position) }
        position += 1
        skipWhitespace()
    }

    /// A member's key and the ':' after it, leaving the position at the value.
    private mutating func parseKeyAndColon(hint: JSONError.Hint) throws(JSONError) -> String {
        skipWhitespace()
        guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, hint) }
        guard byte == ASCII.quote else { throw JSONError(.unexpectedCharacter(byte), at: position, hint) }
        let key = try parseString()
        skipWhitespace()
        guard let colon = peek() else { throw JSONError(.unexpectedEnd, at: position, .colon) }
        guard colon == ASCII.colon else { throw JSONError(.unexpectedCharacter(colon), at: position, .colon) }
        position += 1
        return key
    }

    func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    mutating func skipWhitespace() {
        while position < bytes.count, ASCII.isWhitespace(bytes[position]) {
            position += 1
        }
    }
}
