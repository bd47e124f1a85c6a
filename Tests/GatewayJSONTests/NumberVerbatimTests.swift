import GatewayJSON
import Testing

extension GatewayJSONSpec {
    /// Numbers are echoed exactly as the sender wrote them.
    @Suite("Numbers: kept verbatim")
    struct NumberVerbatimSpec {
        @Test("a request's transaction number is echoed byte for byte")
        func transactionEchoed() throws {
            let request = try JSONParser.parse(#"{"transaction":1.50e3}"#)
            #expect(request["transaction"] == .number("1.50e3"))
            let response: JSONValue = ["transaction": request["transaction"] ?? nil, "ok": true]
            #expect(response.serialized == #"{"transaction":1.50e3,"ok":true}"#)
            #expect(request.serialized == #"{"transaction":1.50e3}"#)
        }

        @Test(
            "every spelling of a number survives parse and serialize unchanged",
            arguments: [
                "0", "-0", "0.000", "1E+2", "1e-05", "12.50E003", "-123.456e-7",
                "123456789012345678901234567890", "0.1000000000000000055511151231257827",
                "1e400", "-4.9e-400",
            ])
        func spellingsSurvive(text: String) throws {
            let value = try JSONParser.parse("[\(text)]")
            #expect(value == [.number(text)])
            #expect(value.serialized == "[\(text)]")
        }
    }
}
