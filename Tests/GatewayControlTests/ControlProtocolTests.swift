import GatewayControl
import GatewayJSON
import Testing

@Suite("Control socket protocol")
struct ControlProtocolTests {
    func parse(_ text: String) throws(SocketRequestError) -> SocketRequest {
        try SocketRequest.parse(Array(text.utf8))
    }

    @Test("each command as a plain word, with white space and a carriage return tolerated", arguments: SocketCommand.allCases)
    func plainWords(_ command: SocketCommand) throws {
        #expect(try parse(command.rawValue) == SocketRequest(command: command))
        #expect(try parse("  \(command.rawValue)\t\r") == SocketRequest(command: command))
    }

    @Test("JSON requests echo any id verbatim; version 1 is accepted")
    func jsonRequests() throws {
        let request = try parse(#"{"command":"watch","id":{"n":[1,2.50e1,"x"]},"version":1}"#)
        #expect(request.command == .watch)
        #expect(request.id?.serialized == #"{"n":[1,2.50e1,"x"]}"#)
        #expect(try parse(#"{"command":"status"}"#) == SocketRequest(command: .status))
        #expect(try parse(#"{"command":"status","version":1.0}"#).command == .status)
    }

    @Test("a request line round-trips through its own parser", arguments: SocketCommand.allCases)
    func requestLineRoundTrip(_ command: SocketCommand) throws {
        let request = SocketRequest(command: command, id: .int(42))
        let line = request.line
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(try SocketRequest.parse(Array(line.dropLast())) == request)
    }

    @Test("every malformed request is refused, saying what was expected", arguments: [
        ("reboot", "unknown command 'reboot'"),
        ("", "unknown command ''"),
        ("STATUS", "unknown command 'STATUS'"),
        (#"{"command":"reboot","id":1}"#, "unknown command 'reboot'"),
        (#"{"id":1}"#, "missing \"command\""),
        (#"{"command":["status"]}"#, "\"command\" must be a string"),
        (#"{"command":"status","verbose":true}"#, "unknown key 'verbose'"),
        (#"{"command":"status","version":2}"#, "unsupported protocol version 2"),
        (#"{"command":"status","version":"1"}"#, "unsupported protocol version \"1\""),
        (#"["status"]"#, "expected status, subscribe"),
        (#"{"command":"status""#, "invalid JSON"),
        ("{", "invalid JSON"),
    ])
    func malformed(_ text: String, _ message: String) {
        #expect {
            try parse(text)
        } throws: { error in
            let error = error as! SocketRequestError
            return error.message.contains(message) && error.response["status"] == "error"
        }
    }

    @Test("the refusal echoes the id and the command when it could read them")
    func refusalEchoes() {
        do {
            _ = try parse(#"{"command":"reboot","id":"abc"}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.response["id"] == "abc")
            #expect(error.response["command"] == "reboot")
            #expect(error.response["version"] == 1)
        }
        do {
            _ = try parse("reboot")
            Issue.record("accepted")
        } catch {
            #expect(error.response["id"] == .null)
            #expect(error.response["command"] == .null)
        }
    }

    @Test("invalid UTF-8, deep nesting and oversized lines are refused without trouble")
    func hostileLines() {
        #expect(throws: SocketRequestError.self) { try SocketRequest.parse([0xff, 0xfe, 0x73]) }
        #expect(throws: SocketRequestError.self) { try SocketRequest.parse(Array((String(repeating: "[", count: 5000)).utf8)) }
        #expect(throws: SocketRequestError.self) {
            try SocketRequest.parse(Array(("{\"command\":\"status\",\"id\":" + String(repeating: "[", count: 40) + "]}").utf8))
        }
        do {
            _ = try SocketRequest.parse([UInt8](repeating: 0x20, count: ControlProtocol.maxRequestBytes + 1))
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("at most \(ControlProtocol.maxRequestBytes)"))
        }
        // Control characters in an echoed command are neutralised.
        do {
            _ = try parse("re\u{1b}[2Jboot")
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("\u{1b}"))
        }
    }

    @Test("responses, events and the hello have the documented shapes")
    func shapes() {
        #expect(ControlProtocol.hello(gatewaydVersion: "9.9.9").serialized
            == #"{"protocol":"gatewayd-control","version":1,"gatewayd":"9.9.9"}"#)
        #expect(ControlProtocol.ok(.status, id: .int(7), data: ["a": 1]).serialized
            == #"{"version":1,"id":7,"command":"status","status":"ok","data":{"a":1}}"#)
        #expect(ControlProtocol.error(command: "watch", id: nil, message: "no").serialized
            == #"{"version":1,"id":null,"command":"watch","status":"error","error":"no"}"#)
        #expect(ControlProtocol.event("lagged", [("missed", .int(3))]).serialized == #"{"version":1,"event":"lagged","missed":3}"#)
        #expect(ControlProtocol.line(.null) == Array("null\n".utf8))
    }
}
