import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// A document cut short anywhere reads as cut short, never as some other error or a value.
    @Suite("Truncated documents")
    struct TruncationSpec {
        static let documents = [
            #"{"Image":{"Width":800,"Title":"View \"from\" 15th","IDs":[116,943],"Animated":false,"x":null}}"#,
            #"  [ -1.5e+3 , 0 , 0.25E-2 , true , "\u00e9\ud83d\ude00\n" , { } , [ ] ]"#,
            #"{"request":"subscribe","topic":"net/#","transaction":1.50e3,"opts":{"qos":1,"retain":true}}"#,
            #""\ud834\udd1e tail""#,
            #"{"name":"Zoë 😀 中","list":[null,-0]}"#,
        ]

        @Test("every proper prefix that ends between characters fails with unexpectedEnd at its end",
              arguments: documents)
        func everyPrefix(document: String) throws {
            let bytes = Array(document.utf8)
            _ = try JSONText(validating: bytes)  // The whole document is valid.
            for length in 0..<bytes.count where !isContinuation(bytes, at: length) {
                let error = parseError(Array(bytes[..<length]))
                #expect(error?.kind == .unexpectedEnd, "prefix of \(length) bytes")
                #expect(error?.offset == length, "prefix of \(length) bytes")
            }
        }

        @Test("a prefix that ends inside a multi-byte character is invalid UTF-8 at that character")
        func prefixInsideCharacter() {
            let bytes = Array(#"{"name":"Zoë 😀"}"#.utf8)
            let emoji = bytes.firstIndex(of: 0xF0)!
            for length in emoji + 1 ..< emoji + 4 {
                let error = parseError(Array(bytes[..<length]))
                #expect(error?.kind == .invalidUTF8)
                #expect(error?.offset == emoji)
            }
        }

        private func isContinuation(_ bytes: [UInt8], at index: Int) -> Bool {
            index < bytes.count && (0x80...0xBF).contains(bytes[index])
        }
    }
}
