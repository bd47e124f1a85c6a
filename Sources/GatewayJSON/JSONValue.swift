/// A JSON document as the gateway sees it: what it publishes to MQTT and what it accepts as a
/// control request.
///
/// The model keeps exactly what was written rather than what it means: numbers stay as their
/// literal text and object members stay in document order, duplicates included. That is what lets
/// the gateway echo a request's field byte for byte and publish payloads whose field order
/// consumers can rely on.
public enum JSONValue: Sendable {
    /// The literal `null`.
    case null
    /// The literal `true` or `false`.
    case bool(Bool)
    /// The number's literal text, validated against RFC 8259 grammar, kept verbatim so that a
    /// value echoed back (e.g. a request's "transaction") is byte-identical.
    ///
    /// Text built by hand that is not an RFC 8259 number serializes as `null` and has no
    /// `intValue`, so a typo can never put invalid JSON on the broker; prefer ``int(_:)`` and
    /// ``double(_:)``.
    case number(String)
    /// A string, held as the Unicode scalars it decodes to (escapes resolved).
    case string(String)
    /// Elements in order.
    case array([JSONValue])
    /// Members in document/insertion order. Duplicate keys: the parser keeps them all as given;
    /// `subscript(key)` returns the first.
    case object([(String, JSONValue)])
}
