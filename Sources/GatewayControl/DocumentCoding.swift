internal import FoundationEssentials

/// How every typed document is written and read: by Foundation's `JSONEncoder` and
/// `JSONDecoder`, so the schema is the Swift types on both sides.
///
/// Keys are sorted so that the same document always has the same bytes (a retained message
/// that did not change is not rewritten with a new order) and slashes stay unescaped (topics
/// are full of them).
public enum DocumentCoding {
    /// The compact text of `document`.
    public static func encode(_ document: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(document))
        } catch {
            // Only a non-finite floating-point value fails, and no document holds one.
            preconditionFailure("a document could not be encoded: \(error)")
        }
    }

    /// `text` read as `type`. Use it on text that ``GatewayJSON/JSONText`` checked first when
    /// nobody vouches for it: the decoder alone accepts a trailing comma.
    public static func decode<Document: Decodable>(_ type: Document.Type, from text: some Collection<UInt8>) throws -> Document {
        try JSONDecoder().decode(type, from: Data(text))
    }
}

/// A member written as `null` when it has no value, rather than left out, because the
/// documented shape names it (`"wlan":null` before the first Wi-Fi status). Read back, a null
/// and a missing member are both nil.
@propertyWrapper
public struct Nullable<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    /// The value; nil is written as `null`.
    public var wrappedValue: Value?

    /// A member holding `wrappedValue`.
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing ``Nullable`` member reads as nil instead of failing.
    public func decode<Value>(_ type: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value> {
        try decodeIfPresent(type, forKey: key) ?? Nullable(wrappedValue: nil)
    }
}
