public import GatewayConfig
import LinuxWifi
public import Logging
public import NetServer

/// The `source.*` settings turned into the Wi-Fi source they name. Shared by `gatewayd` (whose
/// embedded net server owns the source) and `netserverd` (the net server as a hosted-mode
/// process, which owns it there, as the Wi-Fi hardware belongs to the net server on Xous).
public struct ResolvedSource: Sendable {
    /// The settings the source was read from.
    public let settings: GatewaySettings
    /// The simulated source's scenario: the file's, or the built-in one.
    public let scenario: WifiScenario

    /// Reads the source settings; each problem is appended to `errors` against its key.
    public init(_ settings: GatewaySettings, errors: inout [SettingsError]) {
        self.settings = settings
        let interval = settings.int("source.interval_ms") ?? 1000
        if let path = settings.string("source.scenario") {
            do {
                scenario = try WifiScenario.load(path: path, defaultIntervalMs: interval)
            } catch {
                errors.append(settings.error("source.scenario", "\(error)"))
                scenario = .default(seed: 1, intervalMs: interval)
            }
        } else {
            scenario = .default(seed: UInt64(settings.int("source.seed") ?? 1), intervalMs: interval)
        }
        if let name = settings.string("source.interface"),
           name.utf8.count > 15 || name.contains("/") || name.contains(where: \.isWhitespace) || name == "." || name == ".." {
            errors.append(settings.error("source.interface", "'\(name)' is not an interface name (at most 15 characters, no '/' or spaces)"))
        }
    }

    /// A new source: the simulated one, or this host's interface for `source.kind: linux`.
    public func make(logger: Logger = Logger(label: "wifi")) -> any WifiSource {
        guard settings.string("source.kind") == "linux" else { return SimulatedWifiSource(scenario: scenario) }
        let options = LinuxWifiSource.Options(
            interface: settings.string("source.interface") ?? "wlan0",
            signalIntervalMs: (settings.int("source.signal_interval_s") ?? 10) * 1000,
            signalThresholdDB: settings.int("source.signal_threshold_db") ?? 3)
        return LinuxWifiSource(options: options, logger: logger)
    }
}
