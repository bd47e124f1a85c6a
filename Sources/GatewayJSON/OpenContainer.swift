/// An array or object whose closing bracket the parser has not reached yet.
///
/// A struct with both element lists (an empty array costs nothing) rather than an enum, so that
/// appending mutates the stack entry in place: pulling an array out of an enum case and putting
/// it back would copy it and make parsing quadratic.
struct OpenContainer {
    let isObject: Bool
    var elements: [JSONValue] = []
    var members: [(String, JSONValue)] = []
    /// The key read for the member whose value is being parsed.
    var pendingKey = ""

    static func array() -> OpenContainer {
        OpenContainer(isObject: false)
    }

    static func object(firstKey: String) -> OpenContainer {
        OpenContainer(isObject: true, pendingKey: firstKey)
    }

    var closer: UInt8 { isObject ? ASCII.closeBrace : ASCII.closeBracket }

    mutating func append(_ value: JSONValue) {
        if isObject {
            members.append((pendingKey, value))
        } else {
            elements.append(value)
        }
    }

    /// The finished value, once the closing bracket has been read.
    consuming func close() -> JSONValue {
        isObject ? .object(members) : .array(elements)
    }
}
