#if canImport(Glibc)
import Glibc
#endif
public import GatewayJSON

/// A connection to gatewayd's control socket: what `gatewayctl` uses, and what tests use.
public final class ControlClient {
    /// The socket's path.
    public let path: String
    /// gatewayd's hello line.
    public let hello: JSONValue
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
            guard let document = try? JSONParser.parse(line), document["protocol"]?.stringValue == ControlProtocol.name else {
                throw ControlSocketError("'\(path)' is not a gatewayd control socket (unexpected greeting)")
            }
            guard document["version"]?.intValue == ControlProtocol.version else {
                throw ControlSocketError(
                    "gatewayd at '\(path)' speaks control protocol \(document["version"]?.serialized ?? "?"); this gatewayctl speaks \(ControlProtocol.version)")
            }
            hello = document
        } catch {
            close(fd)
            throw error.code == ETIMEDOUT ? ControlSocketError("gatewayd at '\(path)' did not greet within \(timeoutMs) ms", code: ETIMEDOUT) : error
        }
    }

    deinit { close(fd) }

    /// Sends `request` and waits for its response line (skipping any events before it).
    /// - Returns: the whole response document; check its `status`.
    public func send(_ request: SocketRequest, timeoutMs: Int32 = 10_000) throws(ControlSocketError) -> JSONValue {
        try UnixSocket.writeAll(fd, request.line)
        while true {
            let line: [UInt8]?
            do {
                line = try reader.next(timeoutMs: timeoutMs)
            } catch where error.code == ETIMEDOUT {
                throw ControlSocketError("gatewayd at '\(path)' did not answer '\(request.command.rawValue)' within \(timeoutMs) ms", code: ETIMEDOUT)
            }
            guard let line else { throw ControlSocketError("gatewayd at '\(path)' closed the connection before answering") }
            guard let document = try? JSONParser.parse(line) else {
                throw ControlSocketError("gatewayd sent a line that is not JSON")
            }
            if document["event"] == nil { return document }
        }
    }

    /// The next line gatewayd sends (an event after `watch`), parsed; nil when it closes.
    public func nextMessage(timeoutMs: Int32 = -1) throws(ControlSocketError) -> JSONValue? {
        guard let line = try reader.next(timeoutMs: timeoutMs) else { return nil }
        guard let document = try? JSONParser.parse(line) else {
            throw ControlSocketError("gatewayd sent a line that is not JSON")
        }
        return document
    }
}
