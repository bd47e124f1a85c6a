// libFuzzer target for the control parser: the `<base>/control` payload (anyone on the broker
// can publish it), the control socket's request line, and the strict JSON check under both,
// with Foundation's JSONDecoder as its peer. scripts/fuzz builds and runs it.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import GatewayControl
import GatewayJSON
import TestJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkJSON(bytes)
    checkRequest(bytes, on: .topic)
    checkRequest(bytes, on: .socket)
    return 0
}

/// Text the check accepts, JSONDecoder accepts too (but for numbers beyond a Double, which it
/// refuses); each member's range holds one value of its kind; a refusal points inside the input.
private func checkJSON(_ bytes: [UInt8]) {
    for limits in [JSONLimits(), JSONLimits(maxDepth: 32, maxBytes: 1024)] {
        do {
            let text = try JSONText(validating: bytes, limits: limits)
            let peer = Result { try JSONValue.parse(bytes) }
            if case .failure(let error) = peer {
                expect(bytes.contains(UInt8(ascii: "e")) || bytes.contains(UInt8(ascii: "E")), "JSONDecoder refused what the check accepted: \(error)")
            }
            for member in text.members {
                let alone = try? JSONText(validating: text.raw(member), limits: limits)
                expect(alone?.kind == member.kind, "member '\(member.key)' is not one \(member.kind) value on its own")
            }
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

/// What gatewayd does with a request on either channel: a request, which reads back the same
/// from its JSON form, or a refusal; either way the response is one line of JSON that echoes
/// the request's transaction or id byte for byte.
private func checkRequest(_ bytes: [UInt8], on channel: ControlChannel) {
    do {
        let request = try ControlRequest.parse(bytes, on: channel)
        if request.echo == nil {
            let word = Result { () throws(ControlRequestError) in try ControlRequest.parse(Array(request.command.rawValue.utf8), on: channel) }
            expect(word == .success(request), "'\(request.command.rawValue)' parses as \(word)")
        }
        let form = channel == .socket
            ? Array(request.socketLine.dropLast())
            : JSONWriter.object {
                $0.member("command", request.command.rawValue)
                if let echo = request.echo { $0.member("transaction", raw: echo) }
            }
        if form.count <= channel.maxRequestBytes {
            let again = Result { () throws(ControlRequestError) in try ControlRequest.parse(form, on: channel) }
            expect(again == .success(request), "request round trip: \(request) came back as \(again)")
        }
        checkResponse(ControlResponse.ok(request.command, data: Array("{}".utf8), echo: request.echo, on: channel), echo: request.echo, channel)
    } catch {
        expect(!error.message.isEmpty, "empty control error")
        expect(isPrintable(error.message), "control error echoes control characters: \(error.message.debugDescription)")
        checkResponse(error.response(on: channel), echo: error.echo, channel)
    }
}

private func checkResponse(_ response: [UInt8], echo: [UInt8]?, _ channel: ControlChannel) {
    let line = ControlProtocol.line(response)
    expect(line.firstIndex(of: UInt8(ascii: "\n")) == line.count - 1, "response is not one line")
    do {
        let text = try JSONText(validating: response, limits: JSONLimits(maxDepth: 1000))
        expect(text[raw: channel.echoKey].map(Array.init) == (echo ?? Array("null".utf8)), "the echo did not come back byte for byte")
        _ = try DocumentCoding.decode(ControlResponse.self, from: response)
    } catch {
        expect(false, "response does not read back: \(error)")
    }
}

/// Whether `text` has no ASCII control characters, which must never be echoed back raw.
private func isPrintable(_ text: String) -> Bool {
    !text.utf8.contains { $0 < 0x20 || $0 == 0x7f }
}

@main
enum Fuzz: FuzzMain {}
