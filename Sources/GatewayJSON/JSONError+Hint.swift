extension JSONError {
    /// What the parser would have accepted where it stopped, for the error message only.
    ///
    /// It is not part of the public API because its wording may change; callers that need to
    /// branch on an error use `kind`.
    enum Hint: Hashable, Sendable {
        case value
        case valueOrArrayEnd
        case key
        case keyOrObjectEnd
        case colon
        case commaOrArrayEnd
        case commaOrObjectEnd
        case literal(String)
        case digit
        case noLeadingZeros
        case closingQuote
        case escape
        case hexDigits
        case lowSurrogate
        case escapeControlCharacters
        case endOfInput

        var phrase: String {
            switch self {
            case .value: "expected a value"
            case .valueOrArrayEnd: "expected a value or ']'"
            case .key: "expected a string key"
            case .keyOrObjectEnd: "expected a string key or '}'"
            case .colon: "expected ':'"
            case .commaOrArrayEnd: "expected ',' or ']'"
            case .commaOrObjectEnd: "expected ',' or '}'"
            case .literal(let word): "expected '\(word)'"
            case .digit: "expected a digit"
            case .noLeadingZeros: "leading zeros are not allowed"
            case .closingQuote: "expected '\"' to close the string"
            case .escape: "expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u"
            case .hexDigits: "expected 4 hex digits after \\u"
            case .lowSurrogate: "expected a low surrogate escape \\uDC00-\\uDFFF to follow"
            case .escapeControlCharacters: "control characters must be written as escapes"
            case .endOfInput: "expected end of input"
            }
        }
    }
}
