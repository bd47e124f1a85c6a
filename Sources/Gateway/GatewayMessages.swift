import GatewayControl
import XousIPC

/// Opcodes of the gateway's main server. Only threads of the gateway process send them.
enum GatewayOpcode: MessageID {
    /// Borrow of a `WlanStatusIpc`, from the bouncer (the opcode given to `wifiStateSubscribe`).
    case wifiUpdate = 1
    /// Scalar: the MQTT connection is up; `arg1` is the client's generation (a reload that
    /// changes the MQTT settings replaces the client, and an event of the old one is stale).
    case mqttConnected = 2
    /// Move of a `TextMessage`: the connection went down or an attempt failed, and why.
    case mqttDisconnected = 3
    /// Move of an `InboundMQTTMessage`.
    case mqttMessage = 4
    /// Scalar from the Wi-Fi subscription: a `WifiSubscription.Event` in its words.
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
    /// Scalar: a new configuration waits in `GatewayServer.reconfigure`'s slot (SIGHUP).
    case reconfigure = 10
    /// Scalar from the discovery scan's alarm: `arg1` is the scan it bounds.
    case discoveryScanTimeout = 11
}

/// A control socket request as it reaches the main server: the command, archived as a
/// one-byte rkyv enum tag. The caller's id stays with the socket thread; only what the main
/// server needs crosses.
struct ControlSocketCall: Archivable {
    private static let commands: [ControlCommand] = [.status, .subscribe, .unsubscribe]
    private static let layout = ArchivedEnum(variants: commands.map { _ in [] })

    let command: ControlCommand

    init(_ command: ControlCommand) { self.command = command }

    static var archivedLayout: ArchivedLayout { layout.layout }

    func archive(at position: Int, into writer: inout ArchiveWriter) {
        // `watch` is a status as far as the main server is concerned.
        writer.store(UInt8(Self.commands.firstIndex(of: command) ?? 0), at: position)
    }

    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        command = Self.commands[try Self.layout.tag(at: position, in: reader, "command")]
    }
}

/// The main server's answer, written over the call: `{ ok: bool, body: Vec<u8> }`, the body
/// the `data` JSON (ok) or the error message (UTF-8).
struct ControlSocketReply: Archivable {
    /// Two pages: a status document is about 1.5 KB, with room for a long SSID and error.
    static let bufferBytes = 2 * Buffer.pageSize
    private static let fields = ArchivedStruct(Bool.archivedLayout, [UInt8].archivedLayout)

    let ok: Bool
    let body: [UInt8]

    init(ok: Bool, body: [UInt8]) {
        self.ok = ok
        self.body = body
    }

    static var archivedLayout: ArchivedLayout { fields.layout }

    func archiveOutOfLine(into writer: inout ArchiveWriter) { body.archiveOutOfLine(into: &writer) }

    func archive(at position: Int, into writer: inout ArchiveWriter) {
        ok.archive(at: position + Self.fields.offsets[0], into: &writer)
        body.archive(at: position + Self.fields.offsets[1], into: &writer)
    }

    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        ok = try Bool(archivedAt: position + Self.fields.offsets[0], in: reader)
        body = try [UInt8](
            archivedAt: position + Self.fields.offsets[1], in: reader, maxCount: Self.bufferBytes, field: "body")
    }
}

/// A message that arrived on a subscribed topic, as it crosses from libmosquitto's thread to
/// the main server: `{ topic: String, original_length: u32, payload: Vec<u8> }`. Only the
/// first `maxCarried` bytes travel; the original length lets the main server refuse an
/// oversized request without anyone copying a megabyte around.
struct InboundMQTTMessage: Archivable {
    static let maxCarried = 2048
    static let maxTopic = 1024
    private static let fields = ArchivedStruct(
        String.archivedLayout, UInt32.archivedLayout, [UInt8].archivedLayout, Bool.archivedLayout,
        String?.archivedLayout, [UInt8]?.archivedLayout)

    let topic: String
    let originalLength: Int
    let payload: [UInt8]
    /// The broker sent it from its store (the subscription was made), not as it was published.
    let retained: Bool
    /// MQTT 5: the request's Response Topic (a topic longer than `maxTopic` is dropped, not cut).
    let responseTopic: String?
    /// MQTT 5: the request's Correlation Data (at most `maxCarried` bytes, or none).
    let correlationData: [UInt8]?

    init(topic: String, payload: [UInt8], retained: Bool = false, responseTopic: String? = nil, correlationData: [UInt8]? = nil) {
        self.topic = topic.prefix(utf8Bytes: Self.maxTopic)
        originalLength = payload.count
        self.payload = Array(payload.prefix(Self.maxCarried))
        self.retained = retained
        self.responseTopic = responseTopic.flatMap { $0.utf8.count <= Self.maxTopic ? $0 : nil }
        self.correlationData = correlationData.flatMap { $0.count <= Self.maxCarried ? $0 : nil }
    }

    /// Where the answer goes besides `<base>/control/response`, for an MQTT 5 request.
    var replyTo: ResponseAddress? {
        responseTopic.map { ResponseAddress(topic: $0, correlationData: correlationData) }
    }

    static var archivedLayout: ArchivedLayout { fields.layout }

    func archiveOutOfLine(into writer: inout ArchiveWriter) {
        topic.archiveOutOfLine(into: &writer)
        payload.archiveOutOfLine(into: &writer)
        responseTopic.archiveOutOfLine(into: &writer)
        correlationData.archiveOutOfLine(into: &writer)
    }

    func archive(at position: Int, into writer: inout ArchiveWriter) {
        topic.archive(at: position + Self.fields.offsets[0], into: &writer)
        UInt32(clamping: originalLength).archive(at: position + Self.fields.offsets[1], into: &writer)
        payload.archive(at: position + Self.fields.offsets[2], into: &writer)
        retained.archive(at: position + Self.fields.offsets[3], into: &writer)
        responseTopic.archive(at: position + Self.fields.offsets[4], into: &writer)
        correlationData.archive(at: position + Self.fields.offsets[5], into: &writer)
    }

    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        topic = try String(
            archivedAt: position + Self.fields.offsets[0], in: reader, maxBytes: Self.maxTopic, field: "topic")
        originalLength = Int(try reader.uint32(at: position + Self.fields.offsets[1], "original_length"))
        payload = try [UInt8](
            archivedAt: position + Self.fields.offsets[2], in: reader,
            maxCount: min(Self.maxCarried, originalLength), field: "payload")
        retained = try Bool(archivedAt: position + Self.fields.offsets[3], in: reader)
        responseTopic = try String?(archivedAt: position + Self.fields.offsets[4], in: reader)
        correlationData = try [UInt8]?(archivedAt: position + Self.fields.offsets[5], in: reader)
    }
}

/// A short text (a disconnect reason): an archived `String` of at most 1024 bytes.
struct TextMessage: Archivable {
    static let maxBytes = 1024
    let text: String

    init(_ text: String) { self.text = text.prefix(utf8Bytes: Self.maxBytes) }

    static var archivedLayout: ArchivedLayout { String.archivedLayout }
    func archiveOutOfLine(into writer: inout ArchiveWriter) { text.archiveOutOfLine(into: &writer) }
    func archive(at position: Int, into writer: inout ArchiveWriter) { text.archive(at: position, into: &writer) }
    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        text = try String(archivedAt: position, in: reader, maxBytes: Self.maxBytes, field: "text")
    }
}

extension String {
    /// At most `count` bytes of this string's UTF-8, cut at a character boundary.
    func prefix(utf8Bytes count: Int) -> String {
        guard utf8.count > count else { return self }
        var end = utf8.index(utf8.startIndex, offsetBy: count)
        while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }
}
