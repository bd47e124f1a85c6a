/// RFC 8259's number grammar, checked with a precise error where a number breaks it:
///
///     number = [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "-" / "+" ] 1*DIGIT ]
enum NumberGrammar {
    /// The offset just past the longest number starting at `start`.
    ///
    /// Stopping at the first byte that cannot continue the number leaves what follows to the
    /// caller, who knows whether it may be a ',' or must be the end. Running out of input where a
    /// digit is required is `unexpectedEnd`, so that a truncated document reads as truncated.
    static func end(ofNumberIn bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(JSONError) -> Int {
        var position = start
        if position < bytes.count, bytes[position] == ASCII.minus {
            position += 1
        }
        guard position < bytes.count else { throw JSONError(.unexpectedEnd, at: position, .digit) }
        if bytes[position] == ASCII.zero {
            position += 1
            if position < bytes.count, ASCII.isDigit(bytes[position]) {
                throw JSONError(.invalidNumber, at: position, .noLeadingZeros)
            }
        } else {
            position = try endOfDigits(in: bytes, from: position)
        }
        if position < bytes.count, bytes[position] == ASCII.period {
            position = try endOfDigits(in: bytes, from: position + 1)
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == ASCII.plus || bytes[position] == ASCII.minus {
                position += 1
            }
            position = try endOfDigits(in: bytes, from: position)
        }
        return position
    }

    /// The end of a run of one or more digits.
    private static func endOfDigits(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(JSONError) -> Int {
        guard start < bytes.count else { throw JSONError(.unexpectedEnd, at: start, .digit) }
        guard ASCII.isDigit(bytes[start]) else { throw JSONError(.invalidNumber, at: start, .digit) }
        var position = start + 1
        while position < bytes.count, ASCII.isDigit(bytes[position]) {
            position += 1
        }
        return position
    }
}
