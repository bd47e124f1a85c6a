/// Why a Wi-Fi scenario was refused, pointing at the place to fix:
/// `scenario.txt:3: unknown key 'rsi'; expected one of link, ssid, ...`.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The scenario's name as given to the parser, usually its path.
    public let source: String
    /// The 1-based line at fault; nil when the fault is the scenario as a whole (unreadable, empty).
    public let line: Int?
    /// The key at fault (`repeat` for a misplaced `repeat` line); nil when no single key is.
    public let key: String?
    /// What was wrong and what was expected.
    public let reason: String

    /// An error at `line` of `source`.
    public init(source: String, line: Int?, key: String?, reason: String) {
        self.source = source
        self.line = line
        self.key = key
        self.reason = reason
    }

    /// `source:line: reason`, or `source: reason` without a line, like a compiler's diagnostics.
    public var description: String {
        if let line { "\(source):\(line): \(reason)" } else { "\(source): \(reason)" }
    }
}
