// libFuzzer target for the control parsers: the `<base>/control` payload (anyone on the broker
// can publish it), the control socket's request line, and the JSON parser under both.
// scripts/fuzz builds and runs it.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import Gateway
import GatewayControl
import GatewayJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkJSON(bytes)
    checkControlTopic(bytes)
    checkSocketLine(bytes)
    return 0
}

/// A document that parses serializes to one that parses back to the same value, and a refusal
/// points inside the input.
private func checkJSON(_ bytes: [UInt8]) {
    for limits in [JSONParser.Limits(), JSONParser.Limits(maxDepth: 32, maxBytes: ControlRequest.maxPayloadBytes)] {
        do {
            let value = try JSONParser.parse(bytes, limits: limits)
            let text = value.serializedBytes
            let again = Result { () throws(JSONError) in try JSONParser.parse(text, limits: .init(maxDepth: limits.maxDepth)) }
            expect(again == .success(value), "JSON round trip: \(value.serialized) parsed back as \(again)")
        } catch {
            if case .tooLarge = error.kind {
                expect(bytes.count > limits.maxBytes, "tooLarge for \(bytes.count) bytes")
            } else {
                expect(error.offset >= 0 && error.offset <= bytes.count, "JSON error offset \(error.offset) outside \(bytes.count) bytes")
            }
            expect(!error.description.isEmpty, "empty JSON error description")
        }
    }
}

/// What `gatewayd` does with a message on `<base>/control`: a request, or a refusal that it
/// answers on `<base>/control/response`; either way the response must be valid JSON.
private func checkControlTopic(_ bytes: [UInt8]) {
    do {
        let request = try ControlRequest.parse(bytes)
        // The plain-word form and the object form of the same request parse to it again.
        if request.transaction == nil {
            let word = Result { () throws(ControlRequestError) in try ControlRequest.parse(Array(request.command.rawValue.utf8)) }
            expect(word == .success(request), "'\(request.command.rawValue)' parses as \(word)")
        }
        var members: [(String, JSONValue)] = [("command", .string(request.command.rawValue))]
        if let transaction = request.transaction { members.append(("transaction", transaction)) }
        let document = JSONValue.object(members).serializedBytes
        if document.count <= ControlRequest.maxPayloadBytes {
            let again = Result { () throws(ControlRequestError) in try ControlRequest.parse(document) }
            expect(again == .success(request), "control request round trip: \(request) came back as \(again)")
        }
        checkResponse(ControlResponse.ok(request.command, data: .object([]), transaction: request.transaction))
    } catch {
        expect(!error.message.isEmpty, "empty control error")
        expect(isPrintable(error.message), "control error echoes control characters: \(error.message.debugDescription)")
        checkResponse(ControlResponse.error(command: error.command, message: error.message, transaction: error.transaction))
    }
}

/// What the control socket does with one request line.
private func checkSocketLine(_ bytes: [UInt8]) {
    do {
        let request = try SocketRequest.parse(bytes)
        let line = request.line
        expect(line.last == UInt8(ascii: "\n") && !line.dropLast().contains(UInt8(ascii: "\n")), "request line is not one line")
        let body = Array(line.dropLast())
        if body.count <= ControlProtocol.maxRequestBytes {
            let again = Result { () throws(SocketRequestError) in try SocketRequest.parse(body) }
            expect(again == .success(request), "socket request round trip: \(request) came back as \(again)")
        }
        checkResponse(ControlProtocol.ok(request.command, id: request.id, data: .object([])))
    } catch {
        expect(!error.message.isEmpty, "empty socket error")
        expect(isPrintable(error.message), "socket error echoes control characters: \(error.message.debugDescription)")
        checkResponse(error.response)
    }
}

/// A response is sent as one line of JSON, so it must serialize to valid JSON without a newline
/// and mean what it was built from.
private func checkResponse(_ response: JSONValue) {
    let line = ControlProtocol.line(response)
    expect(line.firstIndex(of: UInt8(ascii: "\n")) == line.count - 1, "response is not one line: \(response.serialized)")
    let again = Result { () throws(JSONError) in try JSONParser.parse(line.dropLast(), limits: .init(maxDepth: 1000)) }
    expect(again == .success(response), "response \(response.serialized) parses back as \(again)")
}

/// Whether `text` has no ASCII control characters, which must never be echoed back raw.
private func isPrintable(_ text: String) -> Bool {
    !text.utf8.contains { $0 < 0x20 || $0 == 0x7f }
}

@main
enum Fuzz: FuzzMain {}
