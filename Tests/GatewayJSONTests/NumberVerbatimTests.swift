import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// Numbers are echoed exactly as the sender wrote them.
    @Suite("Numbers: kept verbatim")
    struct NumberVerbatimSpec {
        @Test("a request's transaction number is echoed byte for byte")
        func transactionEchoed() throws {
            let request = try JSONText(validating: #"{"transaction":1.50e3}"#)
            let response = JSONWriter.object {
                $0.member("transaction", raw: request[raw: "transaction"]!)
                $0.member("ok", true)
            }
            #expect(String(decoding: response, as: UTF8.self) == #"{"transaction":1.50e3,"ok":true}"#)
        }

        @Test(
            "every spelling of a number is accepted and located unchanged",
            arguments: [
                "0", "-0", "0.000", "1E+2", "1e-05", "12.50E003", "-123.456e-7",
                "123456789012345678901234567890", "0.1000000000000000055511151231257827",
                "1e400", "-4.9e-400",
            ])
        func spellingsSurvive(text: String) throws {
            let document = try JSONText(validating: "{\"n\":\(text)}")
            #expect(document.member("n")?.kind == .number)
            #expect(document[raw: "n"].map { String(decoding: $0, as: UTF8.self) } == text)
        }
    }
}
