extension WifiScenario {
    /// Parses the scenario text format.
    ///
    /// ```
    /// # Join, drift, drop out, come back.
    /// link=disconnected
    /// link=connecting ssid="Xous Net" rssi=-60 delay_ms=500
    /// link=connected rssi=-52 dhcp=bound mac=02:00:5e:10:00:01 address=192.168.1.23 gateway=192.168.1.1 netmask=255.255.255.0 dns1=192.168.1.1 dns2=0.0.0.0
    /// rssi=-57
    /// link=disconnected ssid=none ipv4=none delay_ms=2000
    /// repeat
    /// ```
    ///
    /// - Blank lines and lines whose first non-blank character is `#` are skipped.
    /// - Every other line is one step: `key=value` pairs separated by spaces or tabs, each key at
    ///   most once. A value may be double-quoted to hold spaces; inside quotes `\"` is a quote
    ///   and `\\` a backslash.
    /// - A key not named on a line keeps its value from the previous step; the first step starts
    ///   from `WlanStatus.default` (link `unknown`, no SSID, DHCP `halted`, every address zero).
    ///   `delay_ms` is the exception: it is the wait before its own step only, and
    ///   `defaultIntervalMs` (clamped into `0...maxDelayMs`) when not given.
    /// - Keys:
    ///   - `link`: `unknown`, `reset_hold`, `uninitialized`, `initializing`, `disconnected`,
    ///     `connecting`, `connected` or `wfx_error`.
    ///   - `ssid`: the network's name, at most 32 bytes of UTF-8; `ssid=none` clears it (a
    ///     network really named `none` is `ssid="none"`).
    ///   - `rssi`: signal strength in dBm, a whole number in -255...0 such as `-52`; it needs
    ///     an SSID on its step, and is kept for the next SSID after `ssid=none`.
    ///   - `dhcp`: `halted`, `init`, `selecting`, `requesting`, `bound`, `renewing`,
    ///     `rebinding` or `invalid`.
    ///   - `mac`: six pairs of hex digits such as `02:00:5e:10:00:01`.
    ///   - `address`, `gateway`, `netmask`, `dns1`, `dns2`: dotted quads such as `192.168.1.1`.
    ///   - `ipv4=none`: resets every IPv4 field (DHCP to `halted`, addresses to zero) before
    ///     the other keys of its line apply.
    ///   - `delay_ms`: milliseconds to wait before this step, 0...86400000.
    /// - A line `repeat` makes the scenario start over after its last step. It must be the last
    ///   line that is not blank or a comment, and needs some step with a non-zero delay.
    ///
    /// - Parameters:
    ///   - source: the name errors give for the text, usually its path.
    /// - Throws: `ScenarioError` naming `source`, the line, the key, and what was expected, for
    ///   an unknown key, a bad value, an SSID over 32 bytes, an rssi outside -255...0, no steps,
    ///   or a misplaced `repeat`.
    public static func parse(_ text: String, source: String, defaultIntervalMs: Int) throws(ScenarioError) -> WifiScenario {
        var builder = ScenarioStepBuilder(source: source, defaultDelayMs: min(max(defaultIntervalMs, 0), maxDelayMs))
        var repeatLine: Int?
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let number = index + 1
            var line = rawLine
            while line.first?.isWhitespace == true { line.removeFirst() }
            while line.last?.isWhitespace == true { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if let repeatLine {
                throw ScenarioError(
                    source: source, line: repeatLine, key: "repeat",
                    reason: "'repeat' must be the last step line, but line \(number) follows it"
                )
            }
            if line == "repeat" {
                repeatLine = number
                continue
            }
            try builder.addStep(try ScenarioLine.pairs(line, source: source, number: number), line: number)
        }
        guard !builder.steps.isEmpty else {
            throw ScenarioError(source: source, line: nil, key: nil, reason: "no steps; expected at least one line such as link=connected")
        }
        if let repeatLine, builder.steps.allSatisfy({ $0.delayMs == 0 }) {
            throw ScenarioError(
                source: source, line: repeatLine, key: "repeat",
                reason: "every delay is 0, so 'repeat' would loop without pause; expected a delay_ms above 0 or a non-zero interval"
            )
        }
        return WifiScenario(validatedSteps: builder.steps, repeats: repeatLine != nil)
    }
}
