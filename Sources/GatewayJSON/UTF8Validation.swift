/// The offset of the first byte that does not begin a well-formed UTF-8 sequence (Unicode
/// Table 3-7), or `nil` if all of `bytes` is UTF-8.
///
/// Checked up front and strictly (no overlong forms, no encoded surrogates, nothing above
/// U+10FFFF) so that the parser can then build strings straight from the bytes, and so that a
/// sender learns where their encoding broke instead of getting U+FFFD back.
func firstInvalidUTF8Offset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    let continuation: ClosedRange<UInt8> = 0x80...0xBF
    var position = 0
    while position < bytes.count {
        let lead = bytes[position]
        if lead < 0x80 {
            position += 1
            continue
        }
        // The second byte's range is where the overlong, surrogate and too-large forms are
        // excluded; the bytes after it are plain continuations.
        let length: Int
        let second: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: (length, second) = (2, continuation)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, continuation)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, continuation)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: return position
        }
        guard position + length <= bytes.count, second.contains(bytes[position + 1]) else { return position }
        for next in position + 2 ..< position + length where !continuation.contains(bytes[next]) {
            return position
        }
        position += length
    }
    return nil
}
