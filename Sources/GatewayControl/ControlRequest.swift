internal import FoundationEssentials
import GatewayJSON

/// A command of the control topic or the control socket.
public enum ControlCommand: String, Sendable, CaseIterable {
    /// Report the gateway's status.
    case status
    /// Subscribe to Wi-Fi pushes (idempotent).
    case subscribe
    /// Unsubscribe (idempotent).
    case unsubscribe
    /// The current Wi-Fi status, then an event for each new one (the control socket only).
    case watch
}

/// Where a control request came from. The two take the same commands in the same two forms
/// and are read by one parser; they differ in size limit, in the name of the field echoed
/// back, and in how strict they are about the rest.
public enum ControlChannel: Sendable, Hashable {
    /// `<base>/control`: `subscribe`, `unsubscribe`, `status`, or
    /// `{"command":…,"transaction":<any JSON>}`; other members are ignored.
    case topic
    /// The control socket: `status`, `subscribe`, `unsubscribe`, `watch`, or
    /// `{"command":…,"id":<any JSON>,"version":1}`; any other member is refused.
    case socket

    /// Longer requests are refused unread.
    public var maxRequestBytes: Int {
        switch self {
        case .topic: 1024
        case .socket: ControlProtocol.maxRequestBytes
        }
    }

    /// The member echoed verbatim in the response.
    public var echoKey: String {
        switch self {
        case .topic: "transaction"
        case .socket: "id"
        }
    }

    /// The commands this channel carries, in the order its messages list them.
    public var commands: [ControlCommand] {
        switch self {
        case .topic: [.subscribe, .unsubscribe, .status]
        case .socket: [.status, .subscribe, .unsubscribe, .watch]
        }
    }

    var limits: JSONLimits { JSONLimits(maxDepth: 32, maxBytes: maxRequestBytes) }
}

/// A parsed control request: the command and the caller's `transaction` or `id`, kept as
/// its text so that the response echoes it byte for byte.
public struct ControlRequest: Sendable, Hashable {
    /// The command.
    public let command: ControlCommand
    /// The text of the request's `transaction` (topic) or `id` (socket), any JSON; nil when
    /// absent.
    public let echo: [UInt8]?

    /// A request for `command`, echoing `echo` (which must be the text of one JSON value).
    public init(command: ControlCommand, echo: [UInt8]? = nil) {
        self.command = command
        self.echo = echo
    }

    /// The request as a control socket line, newline included (what gatewayctl sends).
    public var socketLine: [UInt8] {
        let head = DocumentCoding.encode(SocketRequestDocument(command: command.rawValue, version: ControlProtocol.version))
        return JSONWriter.appending(echo.map { [("id", $0[...])] } ?? [], to: head) + [UInt8(ascii: "\n")]
    }

    /// Parses one request: a command word, or a JSON object naming the command.
    ///
    /// The JSON is checked by ``JSONText`` (strict RFC 8259, with the byte where it breaks);
    /// the values are read with `JSONDecoder`.
    /// - Throws: a ``ControlRequestError`` whose message says what was expected; it carries the
    ///   command and echo when they could be read, so the error response can repeat them.
    public static func parse(_ bytes: some Collection<UInt8>, on channel: ControlChannel) throws(ControlRequestError) -> ControlRequest {
        let words = Messages(channel)
        guard bytes.count <= channel.maxRequestBytes else { throw ControlRequestError.tooLarge(bytes.count, on: channel) }
        let bytes = Array(bytes)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ControlRequestError(words.notUTF8) }
        let trimmed = text.trimmingWhitespace()
        guard trimmed.hasPrefix("{") else {
            guard let command = ControlCommand(rawValue: trimmed), channel.commands.contains(command) else {
                throw ControlRequestError(words.unknownWord(trimmed.printablePrefix))
            }
            return ControlRequest(command: command)
        }
        let document: JSONText
        do {
            document = try JSONText(validating: bytes, limits: channel.limits)
        } catch {
            throw ControlRequestError(words.invalidJSON(error))
        }
        let echo = document[raw: channel.echoKey].map(Array.init)
        if channel == .socket {
            if let unknown = document.members.first(where: { !["command", "id", "version"].contains($0.key) }) {
                throw ControlRequestError(
                    "unknown key '\(unknown.key.printablePrefix)'; a request has \"command\", \"id\" and \"version\"", echo: echo)
            }
            if let version = document[raw: "version"], (try? DocumentCoding.decode(Int.self, from: version)) != ControlProtocol.version {
                throw ControlRequestError(
                    "unsupported protocol version \(String(decoding: version, as: UTF8.self).printablePrefix); this gatewayd speaks version \(ControlProtocol.version)",
                    echo: echo)
            }
        }
        guard let member = document.member("command") else { throw ControlRequestError(words.missingCommand, echo: echo) }
        guard let name = member.string else { throw ControlRequestError(words.commandNotString, echo: echo) }
        guard let command = ControlCommand(rawValue: name), channel.commands.contains(command) else {
            throw ControlRequestError(words.unknownCommand(name.printablePrefix), command: name, echo: echo)
        }
        return ControlRequest(command: command, echo: echo)
    }
}

/// Why a control request was refused.
public struct ControlRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong and what was expected.
    public let message: String
    /// The command as given, when there was one (echoed in the response).
    public let command: String?
    /// The text of the request's `transaction` or `id`, when it could be read.
    public let echo: [UInt8]?

    /// A refusal; `command` and `echo` are repeated in the response.
    public init(_ message: String, command: String? = nil, echo: [UInt8]? = nil) {
        self.message = message
        self.command = command
        self.echo = echo
    }

    public var description: String { message }

    /// The refusal of a request of `count` bytes, over the channel's limit.
    public static func tooLarge(_ count: Int, on channel: ControlChannel) -> ControlRequestError {
        ControlRequestError(Messages(channel).tooLarge(count))
    }

    /// The error response for this refusal on `channel`, without a newline.
    public func response(on channel: ControlChannel) -> [UInt8] {
        ControlResponse.error(command: command, message: message, echo: echo, on: channel)
    }
}

/// The refusals' wording, per channel: each says what the channel would have taken.
private struct Messages {
    let channel: ControlChannel

    init(_ channel: ControlChannel) { self.channel = channel }

    /// What a request may look like, after a refusal of its form.
    private var forms: String {
        switch channel {
        case .topic: "expected subscribe, unsubscribe, status or {\"command\":…}"
        case .socket: "expected status, subscribe, unsubscribe, watch or {\"command\":…,\"id\":…}"
        }
    }

    func tooLarge(_ count: Int) -> String {
        switch channel {
        case .topic: "payload is \(count) bytes, at most \(channel.maxRequestBytes) allowed; \(forms)"
        case .socket: "request is \(count) bytes, at most \(channel.maxRequestBytes) allowed"
        }
    }

    var notUTF8: String {
        "\(channel == .topic ? "payload" : "request") is not valid UTF-8; \(forms)"
    }

    func unknownWord(_ word: String) -> String {
        switch channel {
        case .topic: "unknown command '\(word)'; expected subscribe, unsubscribe, status or {\"command\":…,\"transaction\":…}"
        case .socket: "unknown command '\(word)'; \(forms)"
        }
    }

    func invalidJSON(_ error: JSONError) -> String {
        switch channel {
        case .topic: "\(error); expected {\"command\":\"subscribe\"|\"unsubscribe\"|\"status\",\"transaction\":…}"
        case .socket: "\(error); \(forms)"
        }
    }

    var missingCommand: String {
        "missing \"command\"; expected one of \(channel.commands.map(\.rawValue).joined(separator: ", "))"
    }

    var commandNotString: String {
        switch channel {
        case .topic: "\"command\" must be a string; expected one of subscribe, unsubscribe, status"
        case .socket: "\"command\" must be a string: status, subscribe, unsubscribe or watch"
        }
    }

    func unknownCommand(_ name: String) -> String {
        let names = channel.commands.map(\.rawValue)
        return "unknown command '\(name)'; expected \(names.dropLast().joined(separator: ", ")) or \(names.last!)"
    }
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
