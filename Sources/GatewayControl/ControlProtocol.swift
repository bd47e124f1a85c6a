public import GatewayJSON

/// The control socket's protocol, version 1: line-delimited JSON over a Unix stream socket.
///
/// - On connect, gatewayd sends one hello line:
///   `{"protocol":"gatewayd-control","version":1,"gatewayd":"0.4.0"}`.
/// - A request is one line, at most ``maxRequestBytes`` bytes: `{"command":"status","id":7}`
///   (`id` is any JSON and optional, echoed verbatim; `version`, if given, must be 1), or just
///   the command word (`status`). Commands: `status`, `subscribe`, `unsubscribe`, `watch`.
/// - Each request gets exactly one response line:
///   `{"version":1,"id":7,"command":"status","status":"ok","data":{…}}` or
///   `{"version":1,"id":7,"command":"status","status":"error","error":"…"}`.
/// - After `watch` succeeds, event lines follow until the client disconnects:
///   `{"version":1,"event":"wlan","data":{…}}` for each Wi-Fi status (the `<base>/wlan/state`
///   payload), `{"version":1,"event":"lagged","missed":N}` when the client read too slowly,
///   and `{"version":1,"event":"shutdown"}` before gatewayd closes the connection.
public enum ControlProtocol {
    /// The protocol version this build speaks.
    public static let version = 1
    /// The name in the hello line.
    public static let name = "gatewayd-control"
    /// Longest request line accepted, without its newline.
    public static let maxRequestBytes = 4096
    /// Longest line a client should accept from gatewayd.
    public static let maxResponseBytes = 64 * 1024

    /// The hello line's document.
    public static func hello(gatewaydVersion: String) -> JSONValue {
        .object([
            ("protocol", .string(name)),
            ("version", .int(version)),
            ("gatewayd", .string(gatewaydVersion)),
        ])
    }

    /// A success response.
    public static func ok(_ command: SocketCommand, id: JSONValue?, data: JSONValue) -> JSONValue {
        .object([
            ("version", .int(version)),
            ("id", id ?? .null),
            ("command", .string(command.rawValue)),
            ("status", .string("ok")),
            ("data", data),
        ])
    }

    /// An error response; `command` is null when none could be read.
    public static func error(command: String?, id: JSONValue?, message: String) -> JSONValue {
        .object([
            ("version", .int(version)),
            ("id", id ?? .null),
            ("command", command.map { .string($0) } ?? .null),
            ("status", .string("error")),
            ("error", .string(message)),
        ])
    }

    /// An event line for watchers.
    public static func event(_ name: String, _ members: [(String, JSONValue)] = []) -> JSONValue {
        .object([("version", .int(version)), ("event", .string(name))] + members)
    }

    /// `document` as one line, newline included.
    public static func line(_ document: JSONValue) -> [UInt8] {
        document.serializedBytes + [UInt8(ascii: "\n")]
    }
}

/// A command on the control socket.
public enum SocketCommand: String, Sendable, CaseIterable {
    /// The gateway's status.
    case status
    /// Subscribe to Wi-Fi pushes (idempotent), as the control topic's `subscribe`.
    case subscribe
    /// Unsubscribe (idempotent), as the control topic's `unsubscribe`.
    case unsubscribe
    /// The current Wi-Fi status, then an event for each new one.
    case watch
}

/// One request line, parsed.
public struct SocketRequest: Sendable, Hashable {
    /// The command.
    public let command: SocketCommand
    /// The caller's `id`, echoed verbatim; nil when absent.
    public let id: JSONValue?

    /// A request for `command`.
    public init(command: SocketCommand, id: JSONValue? = nil) {
        self.command = command
        self.id = id
    }

    /// The request as a line to send, newline included.
    public var line: [UInt8] {
        var members: [(String, JSONValue)] = [("version", .int(ControlProtocol.version)), ("command", .string(command.rawValue))]
        if let id { members.append(("id", id)) }
        return ControlProtocol.line(.object(members))
    }

    private static let expected = "expected status, subscribe, unsubscribe, watch or {\"command\":…,\"id\":…}"
    private static let keys = ["command", "id", "version"]

    /// Parses one line (without its newline; a trailing `\r` is ignored).
    /// - Throws: a `SocketRequestError` that says what was expected and carries the command and
    ///   id when they could be read, so the error response can echo them.
    public static func parse(_ line: [UInt8]) throws(SocketRequestError) -> SocketRequest {
        guard line.count <= ControlProtocol.maxRequestBytes else {
            throw SocketRequestError("request is \(line.count) bytes, at most \(ControlProtocol.maxRequestBytes) allowed")
        }
        guard let text = String(validating: line, as: UTF8.self) else {
            throw SocketRequestError("request is not valid UTF-8; \(expected)")
        }
        let trimmed = text.trimmingWhitespace()
        guard trimmed.hasPrefix("{") else {
            guard let command = SocketCommand(rawValue: trimmed) else {
                throw SocketRequestError("unknown command '\(trimmed.printablePrefix)'; \(expected)")
            }
            return SocketRequest(command: command)
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(line, limits: .init(maxDepth: 32, maxBytes: ControlProtocol.maxRequestBytes))
        } catch {
            throw SocketRequestError("\(error); \(expected)")
        }
        guard case .object(let members) = document else { throw SocketRequestError("not an object; \(expected)") }
        let id = document["id"]
        if let unknown = members.first(where: { !keys.contains($0.0) }) {
            throw SocketRequestError(
                "unknown key '\(unknown.0.printablePrefix)'; a request has \"command\", \"id\" and \"version\"", id: id)
        }
        if let version = document["version"], version.intValue != ControlProtocol.version {
            throw SocketRequestError(
                "unsupported protocol version \(version.serialized.printablePrefix); this gatewayd speaks version \(ControlProtocol.version)",
                id: id)
        }
        guard let commandValue = document["command"] else {
            throw SocketRequestError("missing \"command\"; expected one of status, subscribe, unsubscribe, watch", id: id)
        }
        guard let name = commandValue.stringValue else {
            throw SocketRequestError("\"command\" must be a string: status, subscribe, unsubscribe or watch", id: id)
        }
        guard let command = SocketCommand(rawValue: name) else {
            throw SocketRequestError(
                "unknown command '\(name.printablePrefix)'; expected status, subscribe, unsubscribe or watch",
                command: name, id: id)
        }
        return SocketRequest(command: command, id: id)
    }
}

/// Why a request line was refused.
public struct SocketRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong and what was expected.
    public let message: String
    /// The command as given, when there was one.
    public let command: String?
    /// The id as given, when it could be read.
    public let id: JSONValue?

    init(_ message: String, command: String? = nil, id: JSONValue? = nil) {
        self.message = message
        self.command = command
        self.id = id
    }

    public var description: String { message }

    /// The error response for this refusal.
    public var response: JSONValue { ControlProtocol.error(command: command, id: id, message: message) }
}

extension String {
    /// The string without leading and trailing white space.
    package func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while scalars.first?.isWhitespace == true { scalars.removeFirst() }
        while scalars.last?.isWhitespace == true { scalars.removeLast() }
        return String(scalars)
    }

    /// At most 40 characters with control characters replaced, for echoing input in errors.
    package var printablePrefix: String {
        let cut = prefix(40).map { $0.isASCII && ($0.asciiValue! < 0x20 || $0.asciiValue! == 0x7f) ? "?" : String($0) }.joined()
        return count > 40 ? cut + "…" : cut
    }
}
