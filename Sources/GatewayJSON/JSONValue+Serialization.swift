extension JSONValue {
    /// Compact serialization, no spaces: `{"a":1,"b":[true,null]}`. Strings escaped per RFC 8259:
    /// `"` `\\` and control chars U+0000–U+001F (as `\b` `\f` `\n` `\r` `\t` or `\u00XX`
    /// lower-case hex), everything else (including non-ASCII and '/') emitted as raw UTF-8.
    public var serialized: String {
        String(decoding: serializedBytes, as: UTF8.self)
    }

    /// The bytes of ``serialized``, ready to be an MQTT payload.
    public var serializedBytes: [UInt8] {
        var output: [UInt8] = []
        write(to: &output)
        return output
    }

    /// Recursion goes as deep as the value nests: a parsed value is bounded by its `Limits`, and
    /// a value built in code is as deep as that code makes it.
    func write(to output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text):
            // Hand-built text that is no JSON number must not corrupt the whole payload.
            output.append(contentsOf: (NumberGrammar.isNumber(text) ? text : "null").utf8)
        case .string(let text):
            writeEscaped(text, to: &output)
        case .array(let elements):
            output.append(ASCII.openBracket)
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(ASCII.comma) }
                element.write(to: &output)
            }
            output.append(ASCII.closeBracket)
        case .object(let members):
            output.append(ASCII.openBrace)
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output.append(ASCII.comma) }
                writeEscaped(key, to: &output)
                output.append(ASCII.colon)
                value.write(to: &output)
            }
            output.append(ASCII.closeBrace)
        }
    }
}
