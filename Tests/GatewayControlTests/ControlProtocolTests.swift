import GatewayControl
import GatewayJSON
import TestJSON
import Testing

@Suite("Control socket protocol")
struct ControlProtocolTests {
    func parse(_ text: String) throws(ControlRequestError) -> ControlRequest {
        try ControlRequest.parse(Array(text.utf8), on: .socket)
    }

    /// The response to a refusal, read back.
    func response(_ error: ControlRequestError) -> JSONValue? {
        try? JSONValue.parse(error.response(on: .socket))
    }

    @Test("each command as a plain word, with white space and a carriage return tolerated", arguments: ControlCommand.allCases)
    func plainWords(_ command: ControlCommand) throws {
        #expect(try parse(command.rawValue) == ControlRequest(command: command))
        #expect(try parse("  \(command.rawValue)\t\r") == ControlRequest(command: command))
    }

    @Test("JSON requests echo any id verbatim; version 1 is accepted")
    func jsonRequests() throws {
        let request = try parse(#"{"command":"watch","id":{"n":[1,2.50e1,"x"]},"version":1}"#)
        #expect(request.command == .watch)
        #expect(request.echo.map { String(decoding: $0, as: UTF8.self) } == #"{"n":[1,2.50e1,"x"]}"#)
        #expect(try parse(#"{"command":"status"}"#) == ControlRequest(command: .status))
        #expect(try parse(#"{"command":"status","version":1.0}"#).command == .status)
    }

    @Test("a request line round-trips through its own parser", arguments: ControlCommand.allCases)
    func requestLineRoundTrip(_ command: ControlCommand) throws {
        let request = ControlRequest(command: command, echo: Array("42".utf8))
        let line = request.socketLine
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(try ControlRequest.parse(Array(line.dropLast()), on: .socket) == request)
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
            let error = error as! ControlRequestError
            return error.message.contains(message) && response(error)?["status"] == "error"
        }
    }

    @Test("the refusal echoes the id and the command when it could read them")
    func refusalEchoes() {
        do {
            _ = try parse(#"{"command":"reboot","id":"abc"}"#)
            Issue.record("accepted")
        } catch {
            #expect(response(error)?["id"] == "abc")
            #expect(response(error)?["command"] == "reboot")
            #expect(response(error)?["version"] == 1)
        }
        do {
            _ = try parse("reboot")
            Issue.record("accepted")
        } catch {
            #expect(response(error)?["id"] == .null)
            #expect(response(error)?["command"] == .null)
        }
    }

    @Test("invalid UTF-8, deep nesting and oversized lines are refused without trouble")
    func hostileLines() {
        #expect(throws: ControlRequestError.self) { try ControlRequest.parse([0xff, 0xfe, 0x73], on: .socket) }
        #expect(throws: ControlRequestError.self) { try ControlRequest.parse(Array((String(repeating: "[", count: 5000)).utf8), on: .socket) }
        #expect(throws: ControlRequestError.self) {
            try ControlRequest.parse(Array(("{\"command\":\"status\",\"id\":" + String(repeating: "[", count: 40) + "]}").utf8), on: .socket)
        }
        do {
            _ = try ControlRequest.parse([UInt8](repeating: 0x20, count: ControlProtocol.maxRequestBytes + 1), on: .socket)
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

    @Test("responses, events and the hello have the documented shapes: keys sorted, the echo and data last")
    func shapes() {
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        #expect(text(SocketHello(gatewaydVersion: "9.9.9").line) == #"{"gatewayd":"9.9.9","protocol":"gatewayd-control","version":1}"# + "\n")
        #expect(text(ControlResponse.ok(.status, data: Array(#"{"a":1}"#.utf8), echo: Array("7".utf8), on: .socket))
            == #"{"command":"status","status":"ok","version":1,"id":7,"data":{"a":1}}"#)
        #expect(text(ControlResponse.error(command: "watch", message: "no", echo: nil, on: .socket))
            == #"{"command":"watch","error":"no","status":"error","version":1,"id":null}"#)
        #expect(text(SocketEvent("lagged", missed: 3).line()) == #"{"event":"lagged","missed":3,"version":1}"# + "\n")
        #expect(text(SocketEvent("wlan").line(data: Array(#"{"seq":1}"#.utf8))) == #"{"event":"wlan","version":1,"data":{"seq":1}}"# + "\n")
        #expect(ControlProtocol.line(Array("null".utf8)) == Array("null\n".utf8))
    }

    @Test("what gatewayd writes, gatewayctl reads back as the same types")
    func linesReadBack() throws {
        let hello = try ControlLine.hello(SocketHello(gatewaydVersion: "9.9.9").line.dropLast())
        #expect(hello == SocketHello(gatewaydVersion: "9.9.9"))
        let status = StatusDocument(version: "9.9.9", pid: 4, mqtt: .init(connected: true, lastError: nil), wlan: nil)
        let line = try ControlLine(ControlResponse.ok(.status, data: DocumentCoding.encode(status), echo: nil, on: .socket))
        #expect(line.response?.status == .ok)
        #expect(line.event == nil)
        #expect(try line.data(as: StatusDocument.self) == status)
        // The documented nulls are written, not left out.
        #expect(line.data.map { String(decoding: $0, as: UTF8.self).contains(#""wlan":null"#) } == true)
        #expect(line.data.map { String(decoding: $0, as: UTF8.self).contains(#""last_error":null"#) } == true)
        let event = try ControlLine(SocketEvent("lagged", missed: 2).line().dropLast())
        #expect(event.event == SocketEvent("lagged", missed: 2))
    }
}
