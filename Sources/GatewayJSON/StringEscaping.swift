/// Writes `text` as a quoted JSON string, escaping only what RFC 8259 requires.
///
/// Everything else, '/' and non-ASCII included, goes out as raw UTF-8: it is shorter, MQTT
/// payloads are UTF-8 anyway, and consumers then see the same text the gateway holds.
func writeEscaped(_ text: String, to output: inout [UInt8]) {
    output.append(ASCII.quote)
    var text = text
    // Runs that need no escape (nearly all of a payload) are copied whole from the string's
    // contiguous UTF-8; a byte-by-byte append through `String.UTF8View` cost several times more.
    text.withUTF8 { bytes in
        var runStart = 0
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte == ASCII.quote || byte == ASCII.backslash else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            runStart = index + 1
            switch byte {
            case ASCII.quote, ASCII.backslash:
                output.append(ASCII.backslash)
                output.append(byte)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case ASCII.lineFeed: output.append(contentsOf: #"\n"#.utf8)
            case ASCII.carriageReturn: output.append(contentsOf: #"\r"#.utf8)
            case ASCII.tab: output.append(contentsOf: #"\t"#.utf8)
            default:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(lowercaseHexDigit(byte >> 4))
                output.append(lowercaseHexDigit(byte & 0x0F))
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    }
    output.append(ASCII.quote)
}

private func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? ASCII.zero + nibble : UInt8(ascii: "a") + nibble - 10
}
