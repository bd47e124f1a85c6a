public import ArgumentParser

/// The command-line flags of the `source.*` settings, shared by gatewayd (its embedded net
/// server) and netserverd, so that both spell and document them alike.
public struct SourceOptions: ParsableArguments {
    @Option(name: .customLong("source"), help: "Wi-Fi source: sim (default) or linux.")
    var source: String?

    @Option(name: .customLong("interface"), help: "For --source linux: the Wi-Fi interface (default wlan0).")
    var interface: String?

    @Option(name: .customLong("signal-interval-s"), help: "For --source linux: seconds between signal samples while associated (default 10).")
    var signalInterval: String?

    @Option(name: .customLong("signal-threshold-db"), help: "For --source linux: the smallest signal change pushed on its own (default 3).")
    var signalThreshold: String?

    @Option(name: .customLong("scenario"), help: "Scenario file for the simulated source.")
    var scenario: String?

    @Option(name: .customLong("sim-interval-ms"), help: "Milliseconds between simulated state changes (default 1000).")
    var simIntervalMs: String?

    @Option(name: .customLong("sim-seed"), help: "Seed of the built-in simulated scenario (default 1).")
    var simSeed: String?

    public init() {}

    /// Adds the flags given to a settings flag layer, by setting path.
    public func add(to layer: inout [String: (value: String, flag: String)]) {
        func add(_ path: String, _ value: String?, _ flag: String) {
            if let value { layer[path] = (value, flag) }
        }
        add("source.kind", source, "--source")
        add("source.interface", interface, "--interface")
        add("source.signal_interval_s", signalInterval, "--signal-interval-s")
        add("source.signal_threshold_db", signalThreshold, "--signal-threshold-db")
        add("source.scenario", scenario, "--scenario")
        add("source.interval_ms", simIntervalMs, "--sim-interval-ms")
        add("source.seed", simSeed, "--sim-seed")
    }
}
