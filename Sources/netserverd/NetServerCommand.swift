import ArgumentParser
import GatewayConfig
import Logging
import NetServer
import Synchronization
import WifiSourceSettings
import XousIPC
#if canImport(Glibc)
import Glibc
#endif
import SystemSupport

/// `netserverd`: the net server as a hosted-mode process. It owns the Wi-Fi source (the
/// simulated one, a scenario, or this host's interface), registers `_Middleware Network
/// Server_` with xous-names, and pushes each state to its subscribers' bouncers.
@main
struct NetServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netserverd",
        abstract: "The net server as a Xous hosted-mode process: Wi-Fi state to its subscribers.",
        discussion: """
            Runs under a Xous hosted-mode kernel (xous-kernel, ours or the real one), which sets \
            XOUS_SERVER, XOUS_PID and XOUS_PROCESS_KEY. The source settings are gatewayd's \
            source.* keys, from the same YAML file (--config or GATEWAY_CONFIG), GATEWAY_SOURCE_* \
            variables and these flags. Exit status: 0 after SIGTERM/SIGINT, 1 when the kernel \
            went away, 2 without a hosted-mode environment, 78 for a bad setting.
            """)

    @Option(name: .customLong("config"), help: "YAML configuration file (also GATEWAY_CONFIG); only source.* and log.level are read.")
    var config: String?

    @OptionGroup var sourceOptions: SourceOptions

    @Option(name: .customLong("log-level"), help: "trace, debug, info (default), notice, warning, error or critical.")
    var logLevel: String?

    func run() throws {
        TerminationSignals.block()
        let environment = ProcessEnvironment.current()
        var flags: [String: (value: String, flag: String)] = [:]
        func add(_ path: String, _ value: String?, _ flag: String) {
            if let value { flags[path] = (value, flag) }
        }
        sourceOptions.add(to: &flags)
        add("log.level", logLevel, "--log-level")
        let resolved: ResolvedSource
        let settings: GatewaySettings
        do {
            let file = config ?? environment["GATEWAY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            settings = try GatewaySettings.load(file: file, environment: environment, flags: flags)
            var errors: [SettingsError] = []
            resolved = ResolvedSource(settings, errors: &errors)
            if !errors.isEmpty { throw SettingsErrors(errors: errors) }
        } catch {
            Self.complain("netserverd: configuration error\n\(error)")
            throw ExitCode(78)
        }
        let level = settings.string("log.level").flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "netserverd")

        let process: XousProcess
        do {
            process = try XousProcess.joinHosted(try HostedEnvironment(environment: environment), name: "netserverd")
        } catch {
            Self.complain("netserverd: \(error)")
            throw ExitCode(2)
        }
        let net = try NetService(process: process, source: resolved.make(), logger: Logger(label: "net"))
        logger.info("netserverd up as PID \(process.pid)")
        let stopping = Atomic<Bool>(false)
        try TerminationSignals.onSignal { _ in
            guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
            net.stop()
            process.terminate()
        }
        // Up: the code the start-up ran need not stay resident (see gatewayd).
        ResidentMemory.releaseCodePages()
        process.waitUntilTerminated()
        if stopping.load(ordering: .sequentiallyConsistent) {
            logger.info("netserverd down")
            return
        }
        logger.critical("The connection to the Xous kernel ended")
        throw ExitCode.failure
    }

    static func complain(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
