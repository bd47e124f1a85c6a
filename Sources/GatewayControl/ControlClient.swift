#if canImport(Glibc)
import Glibc
#endif

/// A connection to gatewayd's control socket: what `gatewayctl` uses, and what tests use.
public final class ControlClient {
    /// The socket's path.
    public let path: String
    /// gatewayd's hello line.
    public let hello: SocketHello
    private let fd: Int32
    private var reader: LineReader

    /// Connects and reads the hello line.
    /// - Throws: when nothing answers at `path`, gatewayd does not greet within `timeoutMs`,
    ///   or it speaks another protocol version.
    public init(path: String, timeoutMs: Int32 = 5000) throws(ControlSocketError) {
        self.path = path
        fd = try UnixSocket.connect(path)
        reader = LineReader(fd: fd, maxLineBytes: ControlProtocol.maxResponseBytes)
        do throws(ControlSocketError) {
            guard let line = try reader.next(timeoutMs: timeoutMs) else {
                throw ControlSocketError("gatewayd at '\(path)' closed the connection without a greeting")
            }
            guard let document = try? ControlLine.hello(line), document.protocol == ControlProtocol.name else {
                throw ControlSocketError("'\(path)' is not a gatewayd control socket (unexpected greeting)")
            }
            guard document.version == ControlProtocol.version else {
                throw ControlSocketError(
                    "gatewayd at '\(path)' speaks control protocol \(document.version.map(String.init) ?? "?"); this gatewayctl speaks \(ControlProtocol.version)")
            }
            hello = document
        } catch {
            close(fd)
            throw error.code == ETIMEDOUT ? ControlSocketError("gatewayd at '\(path)' did not greet within \(timeoutMs) ms", code: ETIMEDOUT) : error
        }
    }

    deinit { close(fd) }

    /// Sends `request` and waits for its response line (skipping any events before it).
    /// - Returns: the response line; check its `status`.
    public func send(_ request: ControlRequest, timeoutMs: Int32 = 10_000) throws(ControlSocketError) -> ControlLine {
        try UnixSocket.writeAll(fd, request.socketLine)
        while true {
            let line: [UInt8]?
            do {
                line = try reader.next(timeoutMs: timeoutMs)
            } catch where error.code == ETIMEDOUT {
                throw ControlSocketError("gatewayd at '\(path)' did not answer '\(request.command.rawValue)' within \(timeoutMs) ms", code: ETIMEDOUT)
            }
            guard let line else { throw ControlSocketError("gatewayd at '\(path)' closed the connection before answering") }
            let document = try Self.read(line)
            if document.event == nil { return document }
        }
    }

    /// The next line gatewayd sends (an event after `watch`), read; nil when it closes.
    public func nextMessage(timeoutMs: Int32 = -1) throws(ControlSocketError) -> ControlLine? {
        guard let line = try reader.next(timeoutMs: timeoutMs) else { return nil }
        return try Self.read(line)
    }

    private static func read(_ line: [UInt8]) throws(ControlSocketError) -> ControlLine {
        do {
            return try ControlLine(line)
        } catch {
            throw ControlSocketError("gatewayd sent a line this gatewayctl cannot read: \(error)")
        }
    }
}
