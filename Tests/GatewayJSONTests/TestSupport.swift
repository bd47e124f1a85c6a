import GatewayJSON
import TestJSON
import Testing

/// The error a check fails with, or `nil` if it succeeds; lets a table state the expected error.
func parseError(_ bytes: [UInt8], limits: JSONLimits = .init()) -> JSONError? {
    do throws(JSONError) {
        _ = try JSONText(validating: bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// The error checking `text` fails with, or `nil` if it succeeds.
func parseError(_ text: String, limits: JSONLimits = .init()) -> JSONError? {
    parseError(Array(text.utf8), limits: limits)
}

/// The first offset where the standard library's own UTF-8 decoder finds an error, or `nil`:
/// an independent oracle for the check's validation.
func standardLibraryFirstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let scalar): offset += scalar.count
        case .error: return offset
        case .emptyInput: return nil
        }
    }
}

/// The property every check must have, whatever the input: a refusal that points inside the
/// input and says where in plain ASCII; or acceptance, with Foundation's JSONDecoder as the peer
/// that must accept it too, and a member list whose ranges hold one value of their kind each.
///
/// The one thing the check takes and the decoder refuses is a number beyond a Double
/// (`1e400`), which RFC 8259 allows and leaves to implementations.
func expectParsesConsistently(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    do throws(JSONError) {
        let text = try JSONText(validating: bytes)
        #expect((try? JSONValue.parse(bytes)) != nil || hasExponentBeyondDouble(bytes), "JSONDecoder refused \(bytes)", sourceLocation: sourceLocation)
        for member in text.members {
            let alone = try JSONText(validating: text.raw(member))
            #expect(alone.kind == member.kind, sourceLocation: sourceLocation)
        }
    } catch {
        #expect((0...bytes.count).contains(error.offset), "\(error) for input \(bytes)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("invalid JSON at byte \(error.offset): "), sourceLocation: sourceLocation)
        #expect(error.description.utf8.allSatisfy { (0x20...0x7E).contains($0) }, sourceLocation: sourceLocation)
    }
}

/// `bytes` checked, or `nil` after recording the error as an issue.
///
/// Property-check bodies use this instead of `try`: PropertyBased runs them under `try?`, so an
/// error thrown from one is discarded and the check passes regardless.
func expectText(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> JSONText? {
    do throws(JSONError) {
        return try JSONText(validating: bytes)
    } catch {
        Issue.record("\(error) for input \(bytes)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Whether a number in `bytes` has an exponent of three digits or more (`1E0668`), which may
/// put it beyond a Double.
func hasExponentBeyondDouble(_ bytes: [UInt8]) -> Bool {
    for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
        guard index > 0, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index - 1]) else { continue }
        var digits = bytes[(index + 1)...].drop { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        digits = digits.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        if digits.drop(while: { $0 == UInt8(ascii: "0") }).count >= 3 { return true }
    }
    return false
}
