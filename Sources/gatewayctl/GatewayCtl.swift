import ArgumentParser
import GatewayControl
import GatewayJSON
#if canImport(Glibc)
import Glibc
#endif

/// `gatewayctl`: asks a running gatewayd what it is doing, over its local control socket.
///
/// Exit codes: 0 success; 1 gatewayd not reachable (or it went away); 2 usage error;
/// 3 gatewayd answered with an error (for example, the net server refused a subscription).
struct GatewayCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayctl",
        abstract: "Ask a running gatewayd what it is doing, over its local control socket.",
        discussion: """
            Works while the MQTT broker is down. The socket is found from --control-socket, \
            then GATEWAY_CONTROL_SOCKET, then the default: /run/gatewayd/gatewayd.sock for root, \
            $XDG_RUNTIME_DIR/gatewayd/gatewayd.sock (or /tmp/gatewayd-<uid>/gatewayd.sock) for \
            other users.

            Exit codes: 0 success, 1 gatewayd not reachable, 2 usage error, 3 gatewayd answered \
            with an error.
            """,
        subcommands: [Status.self, Subscribe.self, Unsubscribe.self, Watch.self],
        defaultSubcommand: Status.self)

    @Option(name: .customLong("control-socket"), help: "Path of gatewayd's control socket.")
    var controlSocket: String?

    @Option(name: .customLong("timeout"), help: "Seconds to wait for gatewayd's answers.")
    var timeout: Double = 5

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    }

    var timeoutMs: Int32 { Int32(timeout * 1000) }

    /// Connects, or fails with exit code 1 and a message that says where it looked.
    func connect() throws(Failure) -> ControlClient {
        let (path, source) = ControlSocketPath.resolve(option: controlSocket)
        do {
            return try ControlClient(path: path, timeoutMs: timeoutMs)
        } catch {
            var message = "cannot reach gatewayd at \(path) (\(source)): \(error.message)"
            switch error.code {
            case ENOENT, ECONNREFUSED:
                message += """

                    Is gatewayd running? Start it with `gatewayd` (or `systemctl start gatewayd`, or `scripts/run` \
                    in a source checkout). If it uses another socket, pass --control-socket PATH or set \
                    \(ControlSocketPath.environmentVariable).
                    """
            case EACCES:
                message += "\nThe socket is readable by gatewayd's user and group only: run as that user or join its group."
            default:
                break
            }
            throw Failure(message, code: 1)
        }
    }

    /// Sends one request; the response's `data`, or a failure (1: no answer, 3: an error answer).
    func ask(_ client: ControlClient, _ command: ControlCommand) throws(Failure) -> ControlLine {
        let response: ControlLine
        do {
            response = try client.send(ControlRequest(command: command), timeoutMs: timeoutMs)
        } catch {
            throw Failure(error.message, code: 1)
        }
        guard response.response?.status == .ok else {
            throw Failure("gatewayd refused '\(command.rawValue)': \(response.response?.error ?? "no reason given")", code: 3)
        }
        return response
    }
}

extension GatewayCtl {
    /// `subscribe` or `unsubscribe`, reported back.
    func changeSubscription(_ command: ControlCommand, json: Bool) throws(Failure) {
        let answer = try ask(try connect(), command)
        if json { return emit(raw: answer.data) }
        let data = try read(SubscriptionDocument.self, in: answer)
        emit("Wi-Fi push subscription: \(data.subscription ?? "?")")
    }

    /// The answer's `data` as `type`, or a failure that says what gatewayd sent instead.
    func read<Document: Decodable>(_ type: Document.Type, in line: ControlLine) throws(Failure) -> Document {
        do {
            return try line.data(as: type)
        } catch {
            throw Failure("gatewayd sent an answer this gatewayctl cannot read: \(error)", code: 1)
        }
    }
}

/// A failure with the exit code it maps to.
struct Failure: Error {
    let message: String
    let code: Int32

    init(_ message: String, code: Int32) {
        self.message = message
        self.code = code
    }
}

/// Prints and flushes at once: output often goes to a pipe, where it would otherwise wait.
func emit(_ text: String) {
    print(text)
    fflush(nil)
}

/// Prints a document as gatewayd sent it.
func emit(raw text: ArraySlice<UInt8>?) {
    emit(String(decoding: text ?? Array("null".utf8)[...], as: UTF8.self))
}

/// Writes a line to standard error.
func complain(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

extension GatewayCtl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show version, uptime, broker connection, subscription, last Wi-Fi status and counters.")

        @ParentCommand var parent: GatewayCtl

        @Flag(name: .customLong("json"), help: "Print one JSON object with stable field names.")
        var json = false

        func run() throws {
            let client = try parent.connect()
            let answer = try parent.ask(client, .status)
            if json { return emit(raw: answer.data) }
            emit(StatusReport.text(try parent.read(StatusDocument.self, in: answer)))
        }
    }

    struct Subscribe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Subscribe to the net server's Wi-Fi pushes (as the control topic's subscribe).")

        @ParentCommand var parent: GatewayCtl

        @Flag(name: .customLong("json"), help: "Print the answer as JSON.")
        var json = false

        func run() throws { try parent.changeSubscription(.subscribe, json: json) }
    }

    struct Unsubscribe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unsubscribe from the net server's Wi-Fi pushes (as the control topic's unsubscribe).")

        @ParentCommand var parent: GatewayCtl

        @Flag(name: .customLong("json"), help: "Print the answer as JSON.")
        var json = false

        func run() throws { try parent.changeSubscription(.unsubscribe, json: json) }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the current Wi-Fi status, then each new one as it arrives, until interrupted.")

        @ParentCommand var parent: GatewayCtl

        @Flag(name: .customLong("json"), help: "Print each status as one JSON line (the <base>/wlan/state payload).")
        var json = false

        func run() throws {
            // Interrupting is how a watch ends, so it is a success.
            signal(SIGINT) { _ in _exit(0) }
            signal(SIGPIPE) { _ in _exit(0) }
            let client = try parent.connect()
            let answer = try parent.ask(client, .watch)
            // `null` until gatewayd has received a Wi-Fi status.
            if let data = try? JSONText(validating: answer.data ?? []), let wlan = data.member("wlan"), wlan.kind == .object {
                try show(data.raw(wlan))
            }
            while true {
                let message: ControlLine?
                do {
                    message = try client.nextMessage()
                } catch {
                    throw Failure(error.message, code: 1)
                }
                guard let message else { throw Failure("gatewayd closed the connection", code: 1) }
                switch message.event?.event {
                case "wlan":
                    if let wlan = message.data { try show(wlan) }
                case "lagged":
                    complain("gatewayctl: missed \(message.event?.missed ?? 0) updates (output was read too slowly)")
                case "shutdown":
                    throw Failure("gatewayd shut down", code: 1)
                default:
                    continue
                }
            }
        }

        private func show(_ wlan: ArraySlice<UInt8>) throws(Failure) {
            if json { return emit(raw: wlan) }
            do {
                emit(StatusReport.watchLine(try DocumentCoding.decode(WlanStateDocument.self, from: wlan)))
            } catch {
                throw Failure("gatewayd sent a Wi-Fi status this gatewayctl cannot read: \(error)", code: 1)
            }
        }
    }
}

@main
enum GatewayCtlMain {
    static func main() {
        do {
            var command = try GatewayCtl.parseAsRoot()
            try command.run()
        } catch let failure as Failure {
            complain("gatewayctl: \(failure.message)")
            exit(failure.code)
        } catch {
            // Help and --version exit 0 as ArgumentParser prints them; any other parse or
            // validation error is a usage error: exit 2, as the shell's builtins do.
            if GatewayCtl.exitCode(for: error) == .success { GatewayCtl.exit(withError: error) }
            complain(GatewayCtl.fullMessage(for: error))
            exit(2)
        }
    }
}
