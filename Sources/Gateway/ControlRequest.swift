public import GatewayJSON
import GatewayControl

/// A command on `<base>/control`.
public enum ControlCommand: String, Sendable, CaseIterable {
    /// Subscribe to Wi-Fi pushes (idempotent).
    case subscribe
    /// Unsubscribe (idempotent).
    case unsubscribe
    /// Report the gateway's status.
    case status
}

/// A parsed control request: the command and the caller's `transaction`, echoed verbatim.
public struct ControlRequest: Sendable, Hashable {
    /// Payloads longer than this are refused unread.
    public static let maxPayloadBytes = 1024

    /// The command.
    public let command: ControlCommand
    /// The request's `transaction`, any JSON, or nil when absent.
    public let transaction: JSONValue?

    /// A request for `command`, echoing `transaction`.
    public init(command: ControlCommand, transaction: JSONValue?) {
        self.command = command
        self.transaction = transaction
    }

    /// Parses a payload: `subscribe`, `unsubscribe`, `status` as plain text, or
    /// `{"command":"…","transaction":<any JSON>}`.
    ///
    /// - Throws: a `ControlRequestError` whose message says what was expected; it carries the
    ///   command and transaction when they could be read, so the error response can echo them.
    public static func parse(_ payload: [UInt8]) throws(ControlRequestError) -> ControlRequest {
        guard payload.count <= maxPayloadBytes else {
            throw ControlRequestError(
                "payload is \(payload.count) bytes, at most \(maxPayloadBytes) allowed; expected subscribe, unsubscribe, status or {\"command\":…}")
        }
        guard let text = String(validating: payload, as: UTF8.self) else {
            throw ControlRequestError("payload is not valid UTF-8; expected subscribe, unsubscribe, status or {\"command\":…}")
        }
        let trimmed = text.trimmingWhitespace()
        if !trimmed.hasPrefix("{") {
            guard let command = ControlCommand(rawValue: trimmed) else {
                throw ControlRequestError(
                    "unknown command '\(trimmed.printablePrefix)'; expected subscribe, unsubscribe, status or {\"command\":…,\"transaction\":…}")
            }
            return ControlRequest(command: command, transaction: nil)
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(payload, limits: .init(maxDepth: 32, maxBytes: maxPayloadBytes))
        } catch {
            throw ControlRequestError("\(error); expected {\"command\":\"subscribe\"|\"unsubscribe\"|\"status\",\"transaction\":…}")
        }
        let transaction = document["transaction"]
        guard let commandValue = document["command"] else {
            throw ControlRequestError("missing \"command\"; expected one of subscribe, unsubscribe, status", transaction: transaction)
        }
        guard let name = commandValue.stringValue else {
            throw ControlRequestError("\"command\" must be a string; expected one of subscribe, unsubscribe, status", transaction: transaction)
        }
        guard let command = ControlCommand(rawValue: name) else {
            throw ControlRequestError(
                "unknown command '\(name.printablePrefix)'; expected subscribe, unsubscribe or status",
                command: .string(name), transaction: transaction)
        }
        return ControlRequest(command: command, transaction: transaction)
    }
}

/// Why a control request was refused.
public struct ControlRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong and what was expected.
    public let message: String
    /// The command as given, when there was one (echoed in the response).
    public let command: JSONValue?
    /// The transaction as given, when it could be read.
    public let transaction: JSONValue?

    init(_ message: String, command: JSONValue? = nil, transaction: JSONValue? = nil) {
        self.message = message
        self.command = command
        self.transaction = transaction
    }

    public var description: String { message }
}

/// The response shapes of `<base>/control/response`.
public enum ControlResponse {
    /// `{"command":…,"status":"ok","data":{…},"transaction":…}`.
    public static func ok(_ command: ControlCommand, data: JSONValue, transaction: JSONValue?) -> JSONValue {
        .object([
            ("command", .string(command.rawValue)),
            ("status", .string("ok")),
            ("data", data),
            ("transaction", transaction ?? .null),
        ])
    }

    /// `{"command":…,"status":"error","error":"…","transaction":…}`; `command` is null when the
    /// request named none that could be read.
    public static func error(command: JSONValue?, message: String, transaction: JSONValue?) -> JSONValue {
        .object([
            ("command", command ?? .null),
            ("status", .string("error")),
            ("error", .string(message)),
            ("transaction", transaction ?? .null),
        ])
    }
}
