/// Equality is structural and exact, the way RFC 8259 §8.3 compares strings: keys and strings
/// match only when their Unicode scalars do (not Swift's canonical equivalence, which would call
/// "é" and "e\u{301}" equal although they serialize differently), numbers match only when their
/// text does (`1.0` is not `1`), and objects match only with the same members in the same order.
extension JSONValue: Hashable {
    /// Whether both values serialize to the same bytes.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            true
        case let (.bool(left), .bool(right)):
            left == right
        case let (.number(left), .number(right)), let (.string(left), .string(right)):
            sameScalars(left, right)
        case let (.array(left), .array(right)):
            left == right
        case let (.object(left), .object(right)):
            left.count == right.count
                && zip(left, right).allSatisfy { sameScalars($0.0, $1.0) && $0.1 == $1.1 }
        default:
            false
        }
    }

    /// Hashes the same structure that `==` compares.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0)
        case .bool(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .number(let text):
            hasher.combine(2)
            hashScalars(text, into: &hasher)
        case .string(let text):
            hasher.combine(3)
            hashScalars(text, into: &hasher)
        case .array(let elements):
            hasher.combine(4)
            hasher.combine(elements)
        case .object(let members):
            hasher.combine(5)
            hasher.combine(members.count)
            for (key, value) in members {
                hashScalars(key, into: &hasher)
                hasher.combine(value)
            }
        }
    }
}

/// Compares by UTF-8 bytes, which for Swift strings is comparing Unicode scalars.
func sameScalars(_ left: String, _ right: String) -> Bool {
    left.utf8.elementsEqual(right.utf8)
}

/// The count goes first so that adjacent strings cannot trade bytes and collide by design.
private func hashScalars(_ text: String, into hasher: inout Hasher) {
    hasher.combine(text.utf8.count)
    for byte in text.utf8 {
        hasher.combine(byte)
    }
}
