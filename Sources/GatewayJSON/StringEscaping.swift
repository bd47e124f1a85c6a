/// Writes `text` as a quoted JSON string, escaping only what RFC 8259 requires.
///
/// Everything else, '/' and non-ASCII included, goes out as raw UTF-8: it is shorter, MQTT
/// payloads are UTF-8 anyway, and consumers then see the same text the gateway holds.
func writeEscaped(_ text: String, to output: inout [UInt8]) {
    output.append(ASCII.quote)
    for byte in text.utf8 {
        switch byte {
        case ASCII.quote, ASCII.backslash:
            output.append(ASCII.backslash)
            output.append(byte)
        case 0x08: output.append(contentsOf: #"\b"#.utf8)
        case 0x0C: output.append(contentsOf: #"\f"#.utf8)
        case ASCII.lineFeed: output.append(contentsOf: #"\n"#.utf8)
        case ASCII.carriageReturn: output.append(contentsOf: #"\r"#.utf8)
        case ASCII.tab: output.append(contentsOf: #"\t"#.utf8)
        case ..<0x20:
            output.append(contentsOf: #"\u00"#.utf8)
            output.append(lowercaseHexDigit(byte >> 4))
            output.append(lowercaseHexDigit(byte & 0x0F))
        default:
            output.append(byte)
        }
    }
    output.append(ASCII.quote)
}

private func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? ASCII.zero + nibble : UInt8(ascii: "a") + nibble - 10
}
