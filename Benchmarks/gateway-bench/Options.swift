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
            for (value, flag) in [
                (updates, "--updates"), (rate, "--rate"), (flood, "--flood"), (rounds, "--rounds"), (window, "--window"),
                (ipcUpdates, "--ipc-updates"), (fanoutUpdates, "--fanout-updates"), (idleSeconds, "--idle-seconds"),
                (startupRuns, "--startup-runs"), (soak, "--soak"), (paceSeconds, "--pace-seconds"),
            ] where (value ?? 1) <= 0 {
                throw ValidationError("\(flag) takes a positive number, got \(value!)")
            }
            options.updates = updates ?? options.updates
            options.rate = rate ?? options.rate
            options.flood = flood ?? options.flood
            options.rounds = rounds ?? options.rounds
            options.window = window ?? options.window
            options.ipcUpdates = ipcUpdates ?? options.ipcUpdates
            options.fanoutUpdates = fanoutUpdates ?? options.fanoutUpdates
            options.idleSeconds = idleSeconds.map(Double.init) ?? options.idleSeconds
            options.startupRuns = startupRuns ?? options.startupRuns
            options.gatewayd = gatewayd
            options.paceSeconds = paceSeconds.map(Double.init) ?? options.paceSeconds
            if let paceRates {
                let list = paceRates.split(separator: ",").compactMap { Int($0) }.filter { (1...1000).contains($0) }
                guard !list.isEmpty else { throw ValidationError("--pace-rates wants a list such as 1,10,100 (1 to 1000 each)") }
                options.paceRates = list
            }
            if let fanouts {
                let list = fanouts.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
                guard !list.isEmpty else { throw ValidationError("--fanouts wants a list such as 1,10,100") }
                options.fanouts = list
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

    func validate() throws { _ = try options }

    func run() throws { Bench(options: try options).run() }
}
