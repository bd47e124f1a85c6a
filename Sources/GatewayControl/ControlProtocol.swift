internal import FoundationEssentials
public import GatewayJSON

/// The control socket's protocol, version 1: line-delimited JSON over a Unix stream socket.
///
/// - On connect, gatewayd sends one hello line (``SocketHello``):
///   `{"gatewayd":"0.4.0","protocol":"gatewayd-control","version":1}`.
/// - A request is one line, at most ``maxRequestBytes`` bytes: `{"command":"status","id":7}`
///   (`id` is any JSON and optional, echoed verbatim; `version`, if given, must be 1), or just
///   the command word (`status`). Commands: `status`, `subscribe`, `unsubscribe`, `watch`.
/// - Each request gets exactly one response line (``ControlResponse``):
///   `{"command":"status","status":"ok","version":1,"id":7,"data":{…}}` or
///   `{"command":"status","error":"…","status":"error","version":1,"id":7}`.
/// - After `watch` succeeds, event lines (``SocketEvent``) follow until the client disconnects:
///   `{"event":"wlan","version":1,"data":{…}}` for each Wi-Fi status (the `<base>/wlan/state`
///   payload), `{"event":"lagged","missed":N,"version":1}` when the client read too slowly,
///   and `{"event":"shutdown","version":1}` before gatewayd closes the connection.
///
/// Members are written in sorted order, with the echoed `id` and the embedded `data` last.
public enum ControlProtocol {
    /// The protocol version this build speaks.
    public static let version = 1
    /// The name in the hello line.
    public static let name = "gatewayd-control"
    /// Longest request line accepted, without its newline.
    public static let maxRequestBytes = 4096
    /// Longest line a client should accept from gatewayd.
    public static let maxResponseBytes = 64 * 1024

    /// `document` as one line, newline included.
    public static func line(_ document: [UInt8]) -> [UInt8] {
        document + [UInt8(ascii: "\n")]
    }
}

/// The greeting gatewayd sends on every new control socket connection.
public struct SocketHello: Codable, Sendable, Hashable {
    /// Always ``ControlProtocol/name``.
    public var `protocol`: String?
    /// The protocol version gatewayd speaks.
    public var version: Int?
    /// gatewayd's version.
    public var gatewayd: String?

    /// The hello of a gatewayd of version `gatewaydVersion`.
    public init(gatewaydVersion: String) {
        self.protocol = ControlProtocol.name
        version = ControlProtocol.version
        gatewayd = gatewaydVersion
    }

    /// The hello line, newline included.
    public var line: [UInt8] { ControlProtocol.line(DocumentCoding.encode(self)) }
}

/// A control request as the socket's JSON form writes it (the echoed `id` is added as text).
struct SocketRequestDocument: Codable {
    var command: String
    var version: Int
}

/// The answer to one control request, on the topic (`<base>/control/response`) and the socket
/// alike: the request's command, `ok` or `error`, and the error's reason. The `data` of an
/// `ok` and the echoed `transaction` or `id` are added as text, never decoded and written again.
public struct ControlResponse: Codable, Sendable, Hashable {
    /// `ok` or `error`.
    public enum Status: String, Codable, Sendable {
        case ok, error
    }

    /// The command as the request gave it; null when none could be read.
    @Nullable public var command: String?
    /// Whether the command was carried out.
    public var status: Status?
    /// Why not, for an `error`.
    public var error: String?
    /// The socket protocol's version; absent on the topic.
    public var version: Int?

    /// A success response: `data` is the text of the answer's document.
    public static func ok(
        _ command: ControlCommand, data: some Collection<UInt8>, echo: [UInt8]?, on channel: ControlChannel
    ) -> [UInt8] {
        let head = ControlResponse(command: command.rawValue, status: .ok, error: nil, version: channel.version)
        return JSONWriter.appending(
            [echoMember(echo, on: channel), ("data", ArraySlice(data))], to: DocumentCoding.encode(head))
    }

    /// An error response; `command` is null when none could be read.
    public static func error(command: String?, message: String, echo: [UInt8]?, on channel: ControlChannel) -> [UInt8] {
        let head = ControlResponse(command: command, status: .error, error: message, version: channel.version)
        return JSONWriter.appending([echoMember(echo, on: channel)], to: DocumentCoding.encode(head))
    }

    /// The request's `transaction` or `id` as it came, `null` when it had none.
    private static func echoMember(_ echo: [UInt8]?, on channel: ControlChannel) -> (String, ArraySlice<UInt8>) {
        (channel.echoKey, (echo ?? Array("null".utf8))[...])
    }
}

extension ControlChannel {
    /// The protocol version a response states: the socket's, none on the topic.
    var version: Int? { self == .socket ? ControlProtocol.version : nil }
}

/// An event line for a client that asked to `watch`.
public struct SocketEvent: Codable, Sendable, Hashable {
    /// `wlan`, `lagged` or `shutdown`.
    public var event: String?
    /// For `lagged`: how many Wi-Fi statuses the client missed.
    public var missed: Int?
    /// The protocol version.
    public var version: Int?

    /// An event named `event`.
    public init(_ event: String, missed: Int? = nil) {
        self.event = event
        self.missed = missed
        version = ControlProtocol.version
    }

    /// The event as a line, newline included; `data` is the text of its document (the Wi-Fi
    /// status of a `wlan` event, as `<base>/wlan/state` carries it).
    public func line(data: [UInt8]? = nil) -> [UInt8] {
        ControlProtocol.line(JSONWriter.appending(data.map { [("data", $0[...])] } ?? [], to: DocumentCoding.encode(self)))
    }
}

/// One line from gatewayd, checked and read: an event or a response, and the text of its
/// `data`.
public struct ControlLine: Sendable {
    /// The whole line, checked.
    public let text: JSONText
    /// The event, when the line is one.
    public let event: SocketEvent?
    /// The response, when the line is one.
    public let response: ControlResponse?

    /// Reads `bytes` (without the newline).
    /// - Throws: `JSONError` when it is not JSON, `DecodingError` when its fields have the
    ///   wrong types.
    public init(_ bytes: some Collection<UInt8>) throws {
        text = try JSONText(validating: bytes, limits: JSONLimits(maxDepth: 64, maxBytes: ControlProtocol.maxResponseBytes))
        if text.member("event") != nil {
            event = try DocumentCoding.decode(SocketEvent.self, from: text.bytes)
            response = nil
        } else {
            event = nil
            response = try DocumentCoding.decode(ControlResponse.self, from: text.bytes)
        }
    }

    /// The text of the line's `data`, if it has one.
    public var data: ArraySlice<UInt8>? { text[raw: "data"] }

    /// The line's `data` read as `type`.
    public func data<Document: Decodable>(as type: Document.Type) throws -> Document {
        try DocumentCoding.decode(type, from: data ?? Array("null".utf8)[...])
    }
}

extension ControlLine {
    /// Reads a hello line (without the newline).
    public static func hello(_ bytes: some Collection<UInt8>) throws -> SocketHello {
        let text = try JSONText(validating: bytes, limits: JSONLimits(maxDepth: 8, maxBytes: ControlProtocol.maxResponseBytes))
        return try DocumentCoding.decode(SocketHello.self, from: text.bytes)
    }
}
