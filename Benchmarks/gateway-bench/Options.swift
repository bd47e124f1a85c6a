#if canImport(Glibc)
import Glibc
#endif

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
    /// Nine, because single rounds on a two-vCPU VM spread from 0.66 to 1.22 (BENCHMARKS.md):
    /// the median of five still landed on a bad stretch now and then.
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
    /// The sections to run (all by default): end-to-end, ipc, hosted, gatewayd.
    var sections: Set<String> = Options.allSections

    static let allSections: Set<String> = ["end-to-end", "ipc", "hosted", "gatewayd"]

    static let usage = """
        usage: gateway-bench [--quick] [--updates N] [--rate N] [--flood N] [--rounds N] [--window N]
                             [--ipc-updates N] [--fanout-updates N] [--fanouts 1,10,100]
                             [--idle-seconds S] [--startup-runs N] [--gatewayd PATH]
                             [--only end-to-end,ipc,hosted,gatewayd]
               gateway-bench --soak N [--window N]
        Starts its own mosquitto on a free loopback port; gatewayd must be built beside this
        binary (swift build -c release --product gatewayd) for the idle and start-up figures.
        --soak N pushes N updates through the whole gateway path instead, checks that every one
        arrives once and in order, and that resident memory stays flat.
        """

    /// Parses `arguments` (without the program name); exits with the usage on a mistake.
    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        if arguments.contains("--quick") {
            options.quick = true
            options.updates = 4_000
            options.flood = 5_000
            options.rounds = 3
            options.ipcUpdates = 50_000
            options.fanoutUpdates = 5_000
            options.idleSeconds = 10
        }
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        func number() -> Int {
            let text = value()
            guard let number = Int(text), number > 0 else { fail("\(arguments[index - 1]): \(text) is not a positive number") }
            return number
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--quick": break
            case "--updates": options.updates = number()
            case "--rate": options.rate = number()
            case "--flood": options.flood = number()
            case "--window": options.window = number()
            case "--rounds": options.rounds = number()
            case "--ipc-updates": options.ipcUpdates = number()
            case "--fanout-updates": options.fanoutUpdates = number()
            case "--fanouts":
                let list = value().split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
                guard !list.isEmpty else { fail("--fanouts wants a list such as 1,10,100") }
                options.fanouts = list
            case "--idle-seconds": options.idleSeconds = Double(number())
            case "--startup-runs": options.startupRuns = number()
            case "--gatewayd": options.gatewayd = value()
            case "--soak":
                options.soakUpdates = number()
                options.sections = ["soak"]
            case "--only":
                let list = Set(value().split(separator: ",").map(String.init))
                guard !list.isEmpty, list.isSubset(of: allSections) else {
                    fail("--only wants sections from: \(allSections.sorted().joined(separator: ","))")
                }
                options.sections = list
            case "-h", "--help":
                print(usage)
                exit(0)
            default: fail("unknown argument \(arguments[index])")
            }
            index += 1
        }
        return options
    }

    private static func fail(_ message: String) -> Never {
        printError("gateway-bench: \(message)\n\(usage)")
        exit(2)
    }
}
