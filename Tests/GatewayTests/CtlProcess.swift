#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import GatewayControl
import TestHarness
import Testing
import XousIPC
import SystemSupport

/// gatewayctl run as an operator runs it: the built binary, its output and exit status.
struct Gatewayctl {
    struct Result {
        let status: Int32?
        let stdout: String
        let stderr: String

        /// The output parsed as JSON, or nil.
        var json: JSONValue? { try? JSONValue.parse(stdout) }
    }

    /// The socket to pass with `--control-socket`; nil passes none.
    let socket: String?
    /// Where output files go.
    let directory: String

    init(socket: String?, directory: String) {
        self.socket = socket
        self.directory = directory
    }

    init(_ gateway: GatewayProcess, directory: String) {
        self.init(socket: gateway.controlSocket, directory: directory)
    }

    /// Runs `gatewayctl [--control-socket S] arguments…` to its end (at most `timeout` seconds).
    func run(_ arguments: [String], environment: [String: String]? = nil, timeout: Double = 15) throws -> Result {
        let process = try start(arguments, environment: environment)
        let status = process.waitForExit(timeout: timeout)
        if status == nil { process.kill(SIGKILL) }
        return Result(status: status, stdout: process.stdout, stderr: process.stderr)
    }

    /// Starts it and returns at once (for `watch`).
    func start(_ arguments: [String], environment: [String: String]? = nil) throws -> Running {
        let name = "gatewayctl-\(Running.counter.next())"
        let stdout = directory + "/\(name).out", stderr = directory + "/\(name).err"
        let pid = try MosquittoBroker.spawn(
            [GatewayProcess.binary("gatewayctl")] + (socket.map { ["--control-socket", $0] } ?? []) + arguments,
            output: stdout, errorOutput: stderr, environment: environment)
        return Running(pid: pid, stdoutPath: stdout, stderrPath: stderr)
    }

    /// The `status --json` document, or nil when gatewayctl failed.
    func status() -> JSONValue? {
        guard let result = try? run(["status", "--json"]), result.status == 0 else { return nil }
        return result.json
    }

    /// A gatewayctl still running.
    final class Running: @unchecked Sendable {
        static let counter = Counter()

        let stdoutPath: String
        let stderrPath: String
        private let child: ChildProcess

        init(pid: pid_t, stdoutPath: String, stderrPath: String) {
            child = ChildProcess(pid: pid)
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        var stdout: String { readTextFile(stdoutPath) }
        var stderr: String { readTextFile(stderrPath) }

        /// Complete lines written so far.
        var lines: [String] {
            let text = stdout
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.removeLast()  // the part after the last newline: empty, or a line in progress
            return lines
        }

        func kill(_ signal: Int32) { child.kill(signal) }

        func waitForExit(timeout: Double) -> Int32? { child.waitForExit(timeout: timeout) }
    }

    final class Counter: @unchecked Sendable {
        private let lock = ConditionLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
    }
}

/// A raw client of the control socket, for what gatewayctl never sends.
final class RawControlClient {
    let fd: Int32
    private var reader: LineReader

    init(_ path: String) throws {
        fd = try UnixSocket.connect(path)
        reader = LineReader(fd: fd, maxLineBytes: ControlProtocol.maxResponseBytes)
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws { try UnixSocket.writeAll(fd, bytes) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// The next line as JSON; nil at end of stream or after `timeout` seconds.
    func nextDocument(timeout: Double = 5) -> JSONValue? {
        nextLine(timeout: timeout).flatMap { try? JSONValue.parse($0) }
    }

    /// The next line as gatewayd wrote it; nil at end of stream or after `timeout` seconds.
    func nextLine(timeout: Double = 5) -> [UInt8]? {
        (try? reader.next(timeoutMs: Int32(timeout * 1000))) ?? nil
    }

    /// True when the server has closed the connection (within `timeout` seconds).
    func isClosed(timeout: Double = 5) -> Bool {
        let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(timeout * 1000))
        while MonotonicInstant.now < deadline {
            do {
                if try reader.next(timeoutMs: 100) == nil { return true }
            } catch {
                if error.code != ETIMEDOUT { return true }
            }
        }
        return false
    }
}
