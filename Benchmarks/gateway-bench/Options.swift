import ArgumentParser

/// The command line: counts and durations, with `--quick` choosing smaller defaults.
struct Options {
    var quick = false
    /// Paced updates per latency run (gateway, baseline, IPC).
    var updates = 20_000
    /// Pace of the latency runs, updates per second.
    var rate = 2_000
    /// Updates per end-to-end throughput run.
    var flood = 20_000
    /// Gateway and baseline throughput runs, alternating; the median ratio is the figure.
    /// Nine: single rounds spread widely on a small VM (BENCHMARKS.md), and the median of five
    /// was not yet steady.
    var rounds = 9
    /// Updates that may be on their way at once in a throughput run.
    var window = 1_000
    /// Updates of the IPC throughput run with one subscriber.
    var ipcUpdates = 200_000
    /// Updates per fan-out throughput run.
    var fanoutUpdates = 20_000
    /// Subscriber counts of the fan-out runs.
    var fanouts = [1, 10, 100]
    /// Seconds of the idle measurement.
    var idleSeconds = 30.0
    /// gatewayd start-ups to take the median of.
    var startupRuns = 5
    /// The gatewayd binary; by default the one beside this one.
    var gatewayd: String?
    /// Updates of the soak (`--soak N`), which then runs alone; nil: no soak.
    var soakUpdates: Int?
    /// The paced rates of the `rates` section, updates per second.
    var paceRates = [1, 10, 100]
    /// Seconds each paced rate is measured for (at least 20 updates at the slowest).
    var paceSeconds = 20.0
    /// The sections to run (all by default).
    var sections: Set<String> = Options.allSections

    static let allSections: Set<String> = ["end-to-end", "ipc", "hosted", "gatewayd", "rates", "documents"]

    /// Smaller counts and shorter runs, for a quick look.
    mutating func makeQuick() {
        quick = true
        updates = 4_000
        flood = 5_000
        rounds = 3
        ipcUpdates = 50_000
        fanoutUpdates = 5_000
        idleSeconds = 10
        paceSeconds = 10
    }
}

/// The command line. Counts left out take `Options`' defaults (`--quick`'s when given).
@main
struct GatewayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-bench",
        abstract: "Measure gatewayd against a plain libmosquitto publisher, with a mosquitto of its own.",
        discussion: """
            Starts its own mosquitto on a free loopback port; gatewayd must be built beside this \
            binary (swift build -c release --product gatewayd) for the idle and start-up figures. \
            --soak N pushes N updates through the whole gateway path instead, checks that every \
            one arrives once and in order, and that resident memory stays flat.
            """)

    @Flag(help: "Smaller counts and shorter runs.")
    var quick = false
    @Option(help: "Paced updates per latency run (gateway, baseline, IPC).")
    var updates: Int?
    @Option(help: "Pace of the latency runs, updates per second.")
    var rate: Int?
    @Option(help: "Updates per end-to-end throughput run.")
    var flood: Int?
    @Option(help: "Gateway and baseline throughput runs, alternating; the median ratio is the figure.")
    var rounds: Int?
    @Option(help: "Updates that may be on their way at once in a throughput run.")
    var window: Int?
    @Option(name: .customLong("ipc-updates"), help: "Updates of the IPC throughput run with one subscriber.")
    var ipcUpdates: Int?
    @Option(name: .customLong("fanout-updates"), help: "Updates per fan-out throughput run.")
    var fanoutUpdates: Int?
    @Option(help: "Subscriber counts of the fan-out runs, e.g. 1,10,100.")
    var fanouts: String?
    @Option(name: .customLong("idle-seconds"), help: "Seconds of the idle measurement.")
    var idleSeconds: Int?
    @Option(name: .customLong("startup-runs"), help: "gatewayd start-ups to take the median of.")
    var startupRuns: Int?
    @Option(help: "The gatewayd binary (default: the one beside this one).")
    var gatewayd: String?
    @Option(name: .customLong("pace-rates"), help: "Rates of the rates section, updates per second, e.g. 1,10,100.")
    var paceRates: String?
    @Option(name: .customLong("pace-seconds"), help: "Seconds each rate of the rates section is measured for.")
    var paceSeconds: Int?
    @Option(help: "Sections to run, from: documents, end-to-end, gatewayd, hosted, ipc, rates (default: all).")
    var only: String?
    @Option(help: "Push this many updates through the whole path and check each arrives once, in order (runs alone).")
    var soak: Int?

    /// The options these flags make.
    var options: Options {
        get throws {
            var options = Options()
            if quick { options.makeQuick() }
            // Each count flag once: checked positive, then applied.
            let counts: [(Int?, String, WritableKeyPath<Options, Int>)] = [
                (updates, "--updates", \.updates), (rate, "--rate", \.rate), (flood, "--flood", \.flood),
                (rounds, "--rounds", \.rounds), (window, "--window", \.window), (ipcUpdates, "--ipc-updates", \.ipcUpdates),
                (fanoutUpdates, "--fanout-updates", \.fanoutUpdates), (startupRuns, "--startup-runs", \.startupRuns),
            ]
            let seconds: [(Int?, String, WritableKeyPath<Options, Double>)] = [
                (idleSeconds, "--idle-seconds", \.idleSeconds), (paceSeconds, "--pace-seconds", \.paceSeconds),
            ]
            for (value, flag) in counts.map({ ($0.0, $0.1) }) + seconds.map({ ($0.0, $0.1) }) + [(soak, "--soak")] where (value ?? 1) <= 0 {
                throw ValidationError("\(flag) takes a positive number, got \(value!)")
            }
            for (value, _, path) in counts { if let value { options[keyPath: path] = value } }
            for (value, _, path) in seconds { if let value { options[keyPath: path] = Double(value) } }
            options.gatewayd = gatewayd
            if let paceRates {
                options.paceRates = try Self.numbers(paceRates, in: 1...1000, "--pace-rates wants a list such as 1,10,100 (1 to 1000 each)")
            }
            if let fanouts {
                options.fanouts = try Self.numbers(fanouts, in: 1...Int.max, "--fanouts wants a list such as 1,10,100")
            }
            if let only {
                let list = Set(only.split(separator: ",").map(String.init))
                guard !list.isEmpty, list.isSubset(of: Options.allSections) else {
                    throw ValidationError("--only wants sections from: \(Options.allSections.sorted().joined(separator: ","))")
                }
                options.sections = list
            }
            if let soak {
                options.soakUpdates = soak
                options.sections = ["soak"]
            }
            return options
        }
    }

    /// The numbers of a comma-separated list that lie in `range`; `complaint` when none does.
    private static func numbers(_ text: String, in range: ClosedRange<Int>, _ complaint: String) throws -> [Int] {
        let list = text.split(separator: ",").compactMap { Int($0) }.filter { range.contains($0) }
        guard !list.isEmpty else { throw ValidationError(complaint) }
        return list
    }

    func validate() throws { _ = try options }

    func run() throws { Bench(options: try options).run() }
}
