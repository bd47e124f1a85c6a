extension DocumentScanner {
    /// A string starting at its opening quote, with escapes resolved (a key is looked up by it).
    ///
    /// Runs without escapes are copied as they are (the input is already known to be UTF-8), so
    /// a string without escapes is built straight from the input with no scratch buffer.
    mutating func scanString() throws(JSONError) -> String {
        position += 1
        var runStart = position
        var unescaped: [UInt8] = []
        var sawEscape = false
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case ASCII.quote:
                let run = UnsafeBufferPointer(rebasing: bytes[runStart..<position])
                position += 1
                guard sawEscape else { return String(decoding: run, as: UTF8.self) }
                unescaped.append(contentsOf: run)
                return String(decoding: unescaped, as: UTF8.self)
            case ASCII.backslash:
                unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                sawEscape = true
                try decodeEscape(into: &unescaped)
                runStart = position
            case ..<0x20:
                throw JSONError(.controlCharacterInString, at: position, .escapeControlCharacters)
            default:
                position += 1
            }
        }
        throw JSONError(.unexpectedEnd, at: position, .closingQuote)
    }

    /// One escape starting at its backslash, appended as UTF-8; errors point at the backslash.
    private mutating func decodeEscape(into output: inout [UInt8]) throws(JSONError) {
        let escapeStart = position
        position += 1
        guard let letter = peek() else { throw JSONError(.unexpectedEnd, at: position, .escape) }
        position += 1
        switch letter {
        case ASCII.quote, ASCII.backslash, ASCII.slash: output.append(letter)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(ASCII.lineFeed)
        case UInt8(ascii: "r"): output.append(ASCII.carriageReturn)
        case UInt8(ascii: "t"): output.append(ASCII.tab)
        case UInt8(ascii: "u"):
            let scalar = try decodeUnicodeEscape(startingAt: escapeStart)
            Unicode.UTF8.encode(scalar) { output.append($0) }
        default:
            throw JSONError(.invalidEscape, at: escapeStart, .escape)
        }
    }

    /// The scalar of a `\uXXXX` escape whose `\u` has been read, joining a UTF-16 surrogate pair
    /// (`\ud83d\ude00`) into the one scalar it encodes. A surrogate on its own encodes nothing,
    /// and letting it through would be silently replaced by U+FFFD, so it is an error.
    private mutating func decodeUnicodeEscape(startingAt escapeStart: Int) throws(JSONError) -> Unicode.Scalar {
        let unit = try parseHexQuad(escapeStart: escapeStart)
        let lone = JSONError(.invalidUnicodeScalar, at: escapeStart, .lowSurrogate)
        switch unit {
        case 0xD800...0xDBFF:
            // Truncation reads as truncation; anything else where the low half belongs is lone.
            guard let backslash = peek() else { throw JSONError(.unexpectedEnd, at: position, .lowSurrogate) }
            guard backslash == ASCII.backslash else { throw lone }
            guard position + 1 < bytes.count else { throw JSONError(.unexpectedEnd, at: position + 1, .lowSurrogate) }
            guard bytes[position + 1] == UInt8(ascii: "u") else { throw lone }
            let lowStart = position
            position += 2
            let low = try parseHexQuad(escapeStart: lowStart)
            guard (0xDC00...0xDFFF).contains(low) else { throw lone }
            return try scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), escapeStart: escapeStart)
        case 0xDC00...0xDFFF:
            throw lone
        default:
            return try scalar(unit, escapeStart: escapeStart)
        }
    }

    /// Four hex digits; errors point at the escape's backslash.
    private mutating func parseHexQuad(escapeStart: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw JSONError(.unexpectedEnd, at: position, .hexDigits) }
            guard let digit = ASCII.hexValue(byte) else { throw JSONError(.invalidEscape, at: escapeStart, .hexDigits) }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// Every value reaching here is a scalar by construction; the check spares a force-unwrap.
    private func scalar(_ value: UInt32, escapeStart: Int) throws(JSONError) -> Unicode.Scalar {
        guard let scalar = Unicode.Scalar(value) else { throw JSONError(.invalidUnicodeScalar, at: escapeStart) }
        return scalar
    }
}
