/// A deterministic script of Wi-Fi states for `SimulatedWifiSource` to play.
///
/// Make one with `WifiScenario.default(seed:intervalMs:)`, by parsing the text format
/// (`parse(_:source:defaultIntervalMs:)`, `load(path:defaultIntervalMs:)`), or from steps.
public struct WifiScenario: Hashable, Sendable {
    /// One state and how long to wait before reporting it.
    public struct Step: Hashable, Sendable {
        /// Milliseconds to wait, after the previous step was reported, before reporting this one.
        public var delayMs: Int
        /// The state to report.
        public var status: WlanStatus

        /// A step reporting `status` after `delayMs` milliseconds.
        public init(delayMs: Int, status: WlanStatus) {
            self.delayMs = delayMs
            self.status = status
        }
    }

    /// The longest delay of a step: one day, far beyond any use and far from overflowing a clock.
    public static let maxDelayMs = 86_400_000

    /// The steps, in the order they are reported; never empty.
    public let steps: [Step]
    /// Whether playing starts again from the first step after the last.
    public let repeats: Bool

    /// A scenario of `steps`.
    /// - Throws: `ScenarioError` (source `WifiScenario`) when `steps` is empty, a delay is outside
    ///   `0...maxDelayMs`, or a repeating scenario has no delay at all, which would loop flat out.
    public init(steps: [Step], repeats: Bool) throws(ScenarioError) {
        func refuse(_ reason: String) -> ScenarioError {
            ScenarioError(source: "WifiScenario", line: nil, key: nil, reason: reason)
        }
        guard !steps.isEmpty else { throw refuse("no steps; expected at least one") }
        if let bad = steps.first(where: { !(0...Self.maxDelayMs).contains($0.delayMs) }) {
            throw refuse("delay \(bad.delayMs) ms is outside 0...\(Self.maxDelayMs)")
        }
        guard !repeats || steps.contains(where: { $0.delayMs > 0 }) else {
            throw refuse("a repeating scenario needs a non-zero delay somewhere, or it would loop without pause")
        }
        self.init(validatedSteps: steps, repeats: repeats)
    }

    init(validatedSteps steps: [Step], repeats: Bool) {
        self.steps = steps
        self.repeats = repeats
    }
}
