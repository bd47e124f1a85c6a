import GatewayJSON
import Testing

/// The error a parse fails with, or `nil` if it succeeds; lets a table state the expected error.
func parseError(_ bytes: [UInt8], limits: JSONParser.Limits = .init()) -> JSONError? {
    do throws(JSONError) {
        _ = try JSONParser.parse(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// The error parsing `text` fails with, or `nil` if it succeeds.
func parseError(_ text: String, limits: JSONParser.Limits = .init()) -> JSONError? {
    parseError(Array(text.utf8), limits: limits)
}

/// The first offset where the standard library's own UTF-8 decoder finds an error, or `nil`:
/// an independent oracle for the parser's validation.
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

/// The property every parse must have, whatever the input: a refusal that points inside the
/// input and says where in plain ASCII, or a value that survives a serialize/parse round trip
/// byte for byte.
func expectParsesConsistently(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    do throws(JSONError) {
        let value = try JSONParser.parse(bytes)
        let reparsed = try JSONParser.parse(value.serializedBytes)
        #expect(reparsed == value, "input \(bytes)", sourceLocation: sourceLocation)
        #expect(reparsed.serializedBytes == value.serializedBytes, sourceLocation: sourceLocation)
    } catch {
        #expect((0...bytes.count).contains(error.offset), "\(error) for input \(bytes)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("invalid JSON at byte \(error.offset): "), sourceLocation: sourceLocation)
        #expect(error.description.utf8.allSatisfy { (0x20...0x7E).contains($0) }, sourceLocation: sourceLocation)
    }
}

/// `bytes` parsed, or `nil` after recording the parse error as an issue.
///
/// Property-check bodies use this instead of `try`: PropertyBased runs them under `try?`, so an
/// error thrown from one is discarded and the check passes regardless.
func expectValue(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue? {
    do throws(JSONError) {
        return try JSONParser.parse(bytes)
    } catch {
        Issue.record("\(error) for input \(bytes)", sourceLocation: sourceLocation)
        return nil
    }
}

/// `text` parsed, or `nil` after recording the parse error as an issue (see the byte form).
func expectValue(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue? {
    expectValue(Array(text.utf8), sourceLocation: sourceLocation)
}
