import GatewayControl
import TestJSON
import Testing

@Suite("Parsing control requests")
struct ControlRequestTests {
    func parse(_ text: String) throws(ControlRequestError) -> ControlRequest {
        try ControlRequest.parse(Array(text.utf8), on: .topic)
    }

    @Test("plain commands", arguments: ControlChannel.topic.commands)
    func plainCommands(_ command: ControlCommand) throws {
        #expect(try parse(command.rawValue) == ControlRequest(command: command, echo: nil))
        #expect(try parse(" \(command.rawValue)\n").command == command)
    }

    @Test("JSON commands echo any transaction verbatim")
    func jsonCommands() throws {
        let request = try parse(#"{"command":"status","transaction":{"id":[1,2.50e1,"x"]}}"#)
        #expect(request.command == .status)
        #expect(request.echo.map { String(decoding: $0, as: UTF8.self) } == #"{"id":[1,2.50e1,"x"]}"#)
        #expect(try parse(#"{"command":"subscribe"}"#).echo == nil)
    }

    @Test("every malformed request is refused with what was expected", arguments: [
        ("reboot", "unknown command 'reboot'"),
        ("", "unknown command ''"),
        ("SUBSCRIBE", "unknown command"),
        ("watch", "unknown command 'watch'"),
        (#"{"command":"watch"}"#, "unknown command 'watch'; expected subscribe, unsubscribe or status"),
        (#"{"command":"reboot","transaction":1}"#, "unknown command 'reboot'"),
        (#"{"transaction":1}"#, "missing \"command\""),
        (#"{"command":7}"#, "\"command\" must be a string"),
        (#"{"command":"status""#, "invalid JSON"),
        (#"{"command":"status",}"#, "invalid JSON"),
        (String(repeating: "[", count: 500), "unknown command"),
        ("{" + String(repeating: "[", count: 100), "invalid JSON"),
    ])
    func malformed(_ payload: String, _ fragment: String) {
        do {
            _ = try parse(payload)
            Issue.record("accepted \(payload)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.message.contains("expected"), "\(error.message)")
        }
    }

    @Test("the transaction of a refused JSON request is kept for the error response")
    func refusedKeepsTransaction() {
        do {
            _ = try parse(#"{"command":"reboot","transaction":"t-1"}"#)
        } catch {
            #expect(error.echo == Array(#""t-1""#.utf8))
            #expect(error.command == "reboot")
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: ControlRequestError.self) { try ControlRequest.parse([0x73, 0xC3, 0x28], on: .topic) }
        #expect(throws: ControlRequestError.self) { try ControlRequest.parse([0xFF, 0xFE], on: .topic) }
    }

    @Test("payloads over 1024 bytes are refused unread")
    func oversized() {
        let payload = Array(#"{"command":"status","pad":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 1000) + Array(#""}"#.utf8)
        do {
            _ = try ControlRequest.parse(payload, on: .topic)
            Issue.record("accepted a \(payload.count)-byte payload")
        } catch {
            #expect(error.message.contains("at most 1024"))
        }
        #expect(throws: Never.self) { try ControlRequest.parse(Array(#"{"command":"status"}"#.utf8) + Array(repeating: 0x20, count: 1004), on: .topic) }
    }

    @Test("responses have the contract's shapes")
    func responses() {
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        #expect(text(ControlResponse.ok(.status, data: Array(#"{"a":1}"#.utf8), echo: Array("5".utf8), on: .topic))
            == #"{"command":"status","status":"ok","transaction":5,"data":{"a":1}}"#)
        #expect(text(ControlResponse.error(command: nil, message: "bad", echo: nil, on: .topic))
            == #"{"command":null,"error":"bad","status":"error","transaction":null}"#)
    }
}
