/// The benchmark's output: a table for people, then one `key=value` line per figure for tools.
final class Report {
    private struct Row {
        var section: String
        var figure: String
        var value: String
        var target: String
        var verdict: String
    }

    private var rows: [Row] = []
    private var pairs: [(String, String)] = []
    private var notes: [String] = []

    /// A figure with no target.
    func add(_ section: String, _ figure: String, _ value: String) {
        rows.append(Row(section: section, figure: figure, value: value, target: "", verdict: ""))
    }

    /// A figure checked against `target`: PASS or MISS beside it, and `key=PASS|MISS` in the summary.
    func check(_ section: String, _ figure: String, _ value: String, target: String, passed: Bool, key: String) {
        rows.append(Row(section: section, figure: figure, value: value, target: target, verdict: passed ? "PASS" : "MISS"))
        pairs.append((key, passed ? "PASS" : "MISS"))
    }

    /// Whether every checked figure passed so far.
    var allPassed: Bool { !rows.contains { $0.verdict == "MISS" } }

    /// Figures checked against a target so far.
    var checkedCount: Int { rows.filter { !$0.verdict.isEmpty }.count }

    /// A summary line `key=value`.
    func value(_ key: String, _ value: String) { pairs.append((key, value)) }

    /// A summary line for a number, with `decimals` places.
    func value(_ key: String, _ number: Double, decimals: Int = 1) { pairs.append((key, format(number, decimals))) }

    /// A remark printed under the table (what was not measured and why, losses, limits).
    func note(_ text: String) { notes.append(text) }

    /// Prints the table, the notes and the summary.
    func print() {
        let headers = ["section", "figure", "value", "target", ""]
        let cells = rows.map { [$0.section, $0.figure, $0.value, $0.target, $0.verdict] }
        var widths = headers.map(\.count)
        for row in cells { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { $0.element.padding(to: widths[$0.offset]) }.joined(separator: "  ")
        }
        Swift.print(line(headers))
        Swift.print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in cells { Swift.print(line(row)) }
        if !notes.isEmpty {
            Swift.print("")
            for note in notes { Swift.print("note: " + note) }
        }
        Swift.print("")
        for (key, value) in pairs { Swift.print("\(key)=\(value)") }
    }
}

/// `number` with `decimals` places (no Foundation formatter in this package).
func format(_ number: Double, _ decimals: Int = 1) -> String {
    guard number.isFinite else { return "n/a" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(number) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    let sign = number < 0 && scaled != 0 ? "-" : ""
    guard decimals > 0 else { return sign + String(whole) }
    let digits = String(fraction)
    return sign + String(whole) + "." + String(repeating: "0", count: decimals - digits.count) + digits
}

extension String {
    /// The string padded with spaces to `width` characters.
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
