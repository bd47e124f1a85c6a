/// The check of one document, over bytes already known to be UTF-8.
///
/// Iterative: open arrays and objects live on an explicit stack of one flag each, never the
/// call stack, so depth is limited by `maxDepth` alone and a deep document is an error, not a
/// crash. Nothing is built but the top-level object's member list.
struct DocumentScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0
    /// The top-level object's members so far.
    private(set) var members: [JSONText.Member] = []
    /// The key and start of the top-level member whose value is being read.
    private var memberKey = ""
    private var memberStart = 0
    /// The last string value read, kept for a top-level member.
    private var lastString: String?

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// The top-level value's kind, once the whole input is known to be that one value.
    mutating func scanDocument() throws(JSONError) -> JSONKind {
        // One flag per open container: whether it is an object.
        var open: [Bool] = []
        var topKind: JSONKind?
        nextValue: while true {
            skipWhitespace()
            if open.count == 1, open[0] { memberStart = position }
            // Either a complete value (a scalar or an empty container), or a newly opened
            // container whose first element comes next.
            guard var kind = try scanValueOrOpen(onto: &open) else {
                if topKind == nil { topKind = open[0] ? .object : .array }
                continue nextValue
            }
            if topKind == nil { topKind = kind }
            // Each container the value completes is itself a value for the one around it.
            while let innermost = open.indices.last {
                if innermost == 0, open[0] {
                    members.append(.init(
                        key: memberKey, range: memberStart..<position, kind: kind, string: kind == .string ? lastString : nil))
                }
                skipWhitespace()
                let isObject = open[innermost]
                let afterElement: JSONError.Hint = isObject ? .commaOrObjectEnd : .commaOrArrayEnd
                guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, afterElement) }
                position += 1
                if byte == ASCII.comma {
                    if isObject {
                        let key = try scanKeyAndColon(hint: .key)
                        if innermost == 0 { memberKey = key }
                    }
                    continue nextValue
                }
                guard byte == (isObject ? ASCII.closeBrace : ASCII.closeBracket) else {
                    throw JSONError(.unexpectedCharacter(byte), at: position - 1, afterElement)
                }
                kind = open.removeLast() ? .object : .array
            }
            skipWhitespace()
            guard position == bytes.count else { throw JSONError(.trailingCharacters, at: position, .endOfInput) }
            return topKind ?? kind
        }
    }

    /// A scalar's or empty container's kind; for a non-empty container, `nil` after pushing it.
    private mutating func scanValueOrOpen(onto open: inout [Bool]) throws(JSONError) -> JSONKind? {
        guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, .value) }
        switch byte {
        case ASCII.openBracket:
            try enterContainer(depth: open.count)
            guard let next = peek() else { throw JSONError(.unexpectedEnd, at: position, .valueOrArrayEnd) }
            if next == ASCII.closeBracket {
                position += 1
                return .array
            }
            open.append(false)
            return nil
        case ASCII.openBrace:
            try enterContainer(depth: open.count)
            if peek() == ASCII.closeBrace {
                position += 1
                return .object
            }
            let key = try scanKeyAndColon(hint: .keyOrObjectEnd)
            if open.isEmpty { memberKey = key }
            open.append(true)
            return nil
        case ASCII.quote:
            lastString = try scanString()
            return .string
        case UInt8(ascii: "t"):
            try scanLiteral("true")
            return .bool
        case UInt8(ascii: "f"):
            try scanLiteral("false")
            return .bool
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return .null
        case ASCII.minus, ASCII.zero...ASCII.nine:
            position = try NumberGrammar.end(ofNumberIn: bytes, from: position)
            return .number
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
    private mutating func scanKeyAndColon(hint: JSONError.Hint) throws(JSONError) -> String {
        skipWhitespace()
        guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, hint) }
        guard byte == ASCII.quote else { throw JSONError(.unexpectedCharacter(byte), at: position, hint) }
        let key = try scanString()
        skipWhitespace()
        guard let colon = peek() else { throw JSONError(.unexpectedEnd, at: position, .colon) }
        guard colon == ASCII.colon else { throw JSONError(.unexpectedCharacter(colon), at: position, .colon) }
        position += 1
        return key
    }

    /// `true`, `false` or `null`, byte by byte, so that a cut-off literal (`tru`) reads as
    /// truncated and a misspelt one (`trUe`) points at the wrong byte.
    private mutating func scanLiteral(_ word: StaticString) throws(JSONError) {
        let hint = JSONError.Hint.literal("\(word)")
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, hint) }
            guard byte == expected else { throw JSONError(.unexpectedCharacter(byte), at: position, hint) }
            position += 1
        }
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
