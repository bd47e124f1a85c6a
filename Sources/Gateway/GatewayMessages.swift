import XousIPC

/// Opcodes of the gateway's main server. Only threads of the gateway process send them.
enum GatewayOpcode: MessageID {
    /// Borrow of a `WlanStatusIpc`, from the bouncer (the opcode given to `wifiStateSubscribe`).
    case wifiUpdate = 1
    /// Scalar: the MQTT connection is up.
    case mqttConnected = 2
    /// Move of a `TextMessage`: the connection went down or an attempt failed, and why.
    case mqttDisconnected = 3
    /// Move of an `InboundMQTTMessage`.
    case mqttMessage = 4
    /// Scalar from the subscription worker: (action, error code, subscribed 0/1).
    case subscriptionResult = 5
    /// Scalar from the health ticker.
    case healthTick = 6
    /// Scalar: shut down in order.
    case shutdown = 7
    /// MutableBorrow of a `ControlSocketCall` from the control socket's thread; answered in
    /// place with a `ControlSocketReply` (at once for status, after the handshake otherwise).
    case controlSocketRequest = 8
    /// Scalar from the control socket's thread: it refused a malformed request (counted).
    case controlSocketRejected = 9
}

/// A control socket request as it reaches the main server: one byte, the command. The
/// caller's id stays with the socket thread; only what the main server needs crosses.
struct ControlSocketCall: WireCodable {
    let command: ControlCommand

    init(_ command: ControlCommand) { self.command = command }

    func encode(to writer: inout WireWriter) {
        writer.write(UInt8(Self.codes.firstIndex(of: command)! + 1))
    }

    init(from reader: inout WireReader) throws(WireError) {
        let code = Int(try reader.readUInt8("command"))
        guard code >= 1, code <= Self.codes.count else { throw .invalidValue(field: "command", value: UInt64(code)) }
        command = Self.codes[code - 1]
    }

    private static let codes: [ControlCommand] = [.status, .subscribe, .unsubscribe]
}

/// The main server's answer, written over the call: `u8` 1 ok / 0 error, `u32` length, then
/// the `data` JSON (ok) or the error message (UTF-8).
struct ControlSocketReply: WireCodable {
    /// Two pages: a status document is about 1.5 KB, with room for a long SSID and error.
    static let bufferBytes = 2 * Buffer.pageSize

    let ok: Bool
    let body: [UInt8]

    func encode(to writer: inout WireWriter) {
        writer.write(UInt8(ok ? 1 : 0))
        writer.write(UInt32(body.count))
        writer.write(contentsOf: body)
    }

    init(ok: Bool, body: [UInt8]) {
        self.ok = ok
        self.body = body
    }

    init(from reader: inout WireReader) throws(WireError) {
        let flag = try reader.readUInt8("ok")
        guard flag <= 1 else { throw .invalidValue(field: "ok", value: UInt64(flag)) }
        ok = flag == 1
        let length = Int(try reader.readUInt32("body.length"))
        guard length <= Self.bufferBytes else { throw .tooLong(field: "body", maximum: Self.bufferBytes, actual: length) }
        body = Array(try reader.readBytes(length, "body"))
    }
}

/// A message that arrived on a subscribed topic, as it crosses from libmosquitto's thread to
/// the main server: `u16` topic length, topic, `u32` original payload length, `u32` carried
/// length, carried payload. Only the first `maxCarried` bytes travel; the original length lets
/// the main server refuse an oversized request without anyone copying a megabyte around.
struct InboundMQTTMessage: WireCodable {
    static let maxCarried = 2048
    static let maxTopic = 1024

    let topic: String
    let originalLength: Int
    let payload: [UInt8]

    init(topic: String, payload: [UInt8]) {
        self.topic = String(decoding: topic.utf8.prefix(Self.maxTopic), as: UTF8.self)
        originalLength = payload.count
        self.payload = Array(payload.prefix(Self.maxCarried))
    }

    func encode(to writer: inout WireWriter) {
        writer.write(UInt16(topic.utf8.count))
        writer.write(contentsOf: topic.utf8)
        writer.write(UInt32(clamping: originalLength))
        writer.write(UInt32(payload.count))
        writer.write(contentsOf: payload)
    }

    init(from reader: inout WireReader) throws(WireError) {
        let topicLength = Int(try reader.readUInt16("topic.length"))
        guard topicLength <= Self.maxTopic else {
            throw .tooLong(field: "topic", maximum: Self.maxTopic, actual: topicLength)
        }
        topic = String(decoding: try reader.readBytes(topicLength, "topic"), as: UTF8.self)
        originalLength = Int(try reader.readUInt32("payload.original_length"))
        let carried = Int(try reader.readUInt32("payload.length"))
        guard carried <= Self.maxCarried, carried <= originalLength else {
            throw .tooLong(field: "payload", maximum: Self.maxCarried, actual: carried)
        }
        payload = Array(try reader.readBytes(carried, "payload"))
    }
}

/// A short text (a disconnect reason): `u16` length then UTF-8, at most 1024 bytes.
struct TextMessage: WireCodable {
    static let maxBytes = 1024
    let text: String

    init(_ text: String) { self.text = String(decoding: text.utf8.prefix(Self.maxBytes), as: UTF8.self) }

    func encode(to writer: inout WireWriter) {
        writer.write(UInt16(text.utf8.count))
        writer.write(contentsOf: text.utf8)
    }

    init(from reader: inout WireReader) throws(WireError) {
        let length = Int(try reader.readUInt16("text.length"))
        guard length <= Self.maxBytes else { throw .tooLong(field: "text", maximum: Self.maxBytes, actual: length) }
        text = String(decoding: try reader.readBytes(length, "text"), as: UTF8.self)
    }
}
