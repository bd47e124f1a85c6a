extension JSONValue {
    /// The first member named `key` if this is an object, else `nil`.
    ///
    /// Keys match by exact Unicode scalars, as `==` compares them. Taking the first of duplicate
    /// keys is a choice, not a standard: RFC 8259 leaves it open, and a sender who repeats a key
    /// cannot rely on either.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { sameScalars($0.0, key) }?.1
    }

    /// The string if this is a string, else `nil`.
    public var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// The number as an `Int` if it is a whole number that fits, whatever its spelling
    /// (`1500`, `1.5e3` and `1500.0` all give 1500), else `nil`.
    ///
    /// Senders differ in how they spell integers (some only have doubles), so requiring the plain
    /// form would reject requests that mean exactly the same thing.
    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        return WholeNumber.int(fromNumberText: text)
    }

    /// The Boolean if this is `true` or `false`, else `nil`.
    public var boolValue: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}
