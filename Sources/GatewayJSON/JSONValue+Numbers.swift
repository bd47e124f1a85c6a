extension JSONValue {
    /// The integer as a JSON number.
    public static func int(_ value: Int) -> JSONValue {
        .number("\(value)")
    }

    /// The double as a JSON number in Swift's shortest round-trip form (`0.1`, `1e+20`), or
    /// `null` when it is infinite or NaN, which JSON cannot express.
    public static func double(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        // Swift's description is valid JSON for every finite double today; checking keeps a
        // future change of that format from ever putting invalid JSON on the broker.
        let text = "\(value)"
        return NumberGrammar.isNumber(text) ? .number(text) : .null
    }
}
