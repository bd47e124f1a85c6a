#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import GatewayControl
import Logging
import MQTT
import TestHarness
import Testing
import XousIPC
import SystemSupport

/// gatewayd run as a child process, as a user runs it: the binary built next to this test bundle.
final class GatewayProcess: @unchecked Sendable {
    let logPath: String
    /// Where its control socket is (inside the broker's temporary directory).
    let controlSocket: String
    private let child: ChildProcess

    /// The gatewayd binary beside the running test executable.
    static var executable: String { binary("gatewayd") }

    /// A binary of this package, beside the running test executable.
    static func binary(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return directory + "/" + name
    }

    /// Starts gatewayd on `broker` (`server`, default `mqtt://127.0.0.1:<broker.port>`; an
    /// empty `server` passes no `--mqtt-server`, for a test whose file names the broker) as
    /// device `deviceID` (nil passes no `--device-id`).
    init(
        broker: MosquittoBroker, _ arguments: [String], server: String? = nil, logName: String = "gatewayd.log",
        controlSocket: String? = nil, socketFromEnvironment: Bool = false, environment: [String: String] = [:],
        logLevel: String? = "trace", deviceID: String? = "testdev"
    ) throws {
        logPath = broker.directory + "/" + logName
        self.controlSocket = controlSocket ?? broker.directory + "/run/gatewayd.sock"
        let executable = Self.executable
        guard access(executable, X_OK) == 0 else {
            throw MosquittoBroker.Failure(description: "gatewayd not built at \(executable); run `swift build` first")
        }
        child = ChildProcess(pid: try MosquittoBroker.spawn(
            [executable] + (server == "" ? [] : ["--mqtt-server", server ?? "mqtt://127.0.0.1:\(broker.port)"])
                + (deviceID.map { ["--device-id", $0] } ?? []) + (logLevel.map { ["--log-level", $0] } ?? []) + (socketFromEnvironment ? [] : ["--control-socket", self.controlSocket]) + arguments,
            output: logPath,
            environment: socketFromEnvironment || !environment.isEmpty
                ? ProcessEnvironment.current()
                    .merging(environment) { $1 }
                    .merging(socketFromEnvironment ? ["GATEWAY_CONTROL_SOCKET": self.controlSocket] : [:]) { $1 }
                : nil))
    }

    /// Its process id while it runs.
    var pid: pid_t? { child.pid }

    /// Sends `signal`.
    func kill(_ signal: Int32) { child.kill(signal) }

    /// Waits for the process to end; its exit status, or nil on time-out (or a signal: 128 + n).
    func waitForExit(timeout: Double) -> Int32? { child.waitForExit(timeout: timeout) }

    /// Everything gatewayd logged so far.
    var log: String { readTextFile(logPath) }
}

/// An independent MQTT client that watches everything under `#` (and can publish).
final class Observer: @unchecked Sendable {
    let client: MQTTClient
    let recorder = EventRecorder()

    /// Connects to `broker` (as `configure` adjusts the plain, anonymous configuration: port,
    /// login, TLS) and subscribes to `topic`; unless `mustConnect` is false, throws if it has
    /// not connected within 5 s.
    init(
        broker: MosquittoBroker, name: String = "observer", subscribeTo topic: String = "#",
        mustConnect: Bool = true, configure: (inout MQTTConfiguration) -> Void = { _ in }
    ) throws {
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: "\(name)-\(getpid())")
        configuration.reconnectDelayMax = 1
        configure(&configuration)
        client = try MQTTClient(configuration: configuration, logger: Logger(label: name))
        client.setDelegate(recorder)
        client.subscribe(topic, qos: 1)
        try client.start()
        guard mustConnect else { return }
        guard recorder.wait(timeout: 5, until: { $0.connects > 0 }) else {
            throw MosquittoBroker.Failure(description: "observer could not connect to the broker: \(recorder.reasons.last ?? "no answer")")
        }
        // The subscription is made on connect; give the SUBACK a moment.
        pause(0.1)
    }

    deinit { client.stop() }

    func publish(_ topic: String, _ payload: [UInt8]) throws {
        try client.publish(MQTTMessage(topic: topic, payload: payload, qos: 1, retain: false))
    }

    func publish(_ topic: String, _ text: String) throws { try publish(topic, Array(text.utf8)) }

    func payloads(_ topic: String) -> [String] { recorder.payloads(on: topic) }

    /// The JSON documents seen on `topic`, in order.
    func documents(_ topic: String) -> [JSONValue] { payloads(topic).compactMap { try? JSONValue.parse($0) } }

    /// Waits until `topic` has carried at least `count` messages.
    @discardableResult
    func waitFor(_ topic: String, count: Int = 1, timeout: Double = 10) -> Bool {
        recorder.wait(timeout: timeout) { $0.payloads(on: topic).count >= count }
    }

    /// Waits for a message on `topic` whose JSON satisfies `predicate`.
    @discardableResult
    func waitFor(_ topic: String, timeout: Double = 10, where predicate: @escaping (JSONValue) -> Bool) -> Bool {
        recorder.wait(timeout: timeout) { snapshot in
            snapshot.payloads(on: topic).contains { (try? JSONValue.parse($0)).map(predicate) ?? false }
        }
    }

    var allMessages: [(topic: String, payload: String)] { recorder.snapshot.messages }
}

/// True when `text` holds something shaped like a SID: a long run of hex digits, a SID printed
/// other than redacted, or four large numbers in a row.
func looksLikeSID(_ text: String) -> Bool {
    var run = 0
    for byte in text.utf8 {
        let hex = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102)
        run = hex ? run + 1 : 0
        if run >= 16 { return true }
    }
    var rest = Substring(text)
    while let range = rest.firstRange(of: "SID(") {
        if !rest[range.upperBound...].hasPrefix("redacted)") { return true }
        rest = rest[range.upperBound...]
    }
    // Four numbers of six or more digits separated only by punctuation: SID words as numbers.
    var bigNumbers = 0
    var digits = 0
    for character in text + " " {
        if character.isNumber {
            digits += 1
        } else {
            if digits >= 6 { bigNumbers += 1 } else if digits > 0 || character.isLetter { bigNumbers = 0 }
            digits = 0
            if bigNumbers >= 4 { return true }
        }
    }
    return false
}
