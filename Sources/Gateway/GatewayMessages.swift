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
