/// One application message: what is published, and what a last will carries.
public struct MQTTMessage: Sendable, Hashable {
    /// The topic name (no wildcards when publishing).
    public var topic: String
    /// The payload bytes; MQTT does not interpret them.
    public var payload: [UInt8]
    /// Quality of service: 0 (at most once), 1 (at least once) or 2 (exactly once).
    public var qos: Int
    /// Whether the broker keeps the message as the topic's current value for later subscribers.
    public var retain: Bool
    /// MQTT 5: the Response Topic property, where the receiver should send its answer (a
    /// request). Ignored over MQTT 3.1.1.
    public var responseTopic: String?
    /// MQTT 5: the Correlation Data property, for a response to a request that carried it.
    /// Ignored over MQTT 3.1.1, which has no properties.
    public var correlationData: [UInt8]?
    /// MQTT 5: the Message Expiry Interval, seconds after which the broker drops the message
    /// (a retained one too). Ignored over MQTT 3.1.1.
    public var expirySeconds: UInt32?

    /// Creates a message from raw payload bytes.
    public init(topic: String, payload: [UInt8], qos: Int, retain: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }

    /// Creates a message whose payload is the UTF-8 encoding of `string` (JSON, `online`, …).
    public init(topic: String, string: String, qos: Int, retain: Bool) {
        self.init(topic: topic, payload: Array(string.utf8), qos: qos, retain: retain)
    }
}
