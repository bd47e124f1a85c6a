/// Receives the client's events.
///
/// Every method is called on the client's network thread, one at a time and in order. Keep
/// handlers short (the gateway forwards each event as an IPC message to its main server):
/// while a handler runs, no packet is read or written and keepalive pings wait. Calling
/// `publish` and `subscribe` from a handler is fine; calling `stop` from one is allowed but
/// cannot wait for the final message's acknowledgement (see `MQTTClient.stop`). No method is
/// called once `stop` has begun.
public protocol MQTTClientDelegate: AnyObject, Sendable {
    /// The broker accepted a connection (CONNACK 0); remembered subscriptions have already been
    /// sent again. Publish the birth message (`online`) and current state from here.
    func mqttDidConnect(_ client: MQTTClient)

    /// A connection attempt failed or an established connection ended; the client retries by
    /// itself after a back-off delay. `reason` is for humans, e.g. "connection refused: not
    /// authorised" or "connect to 127.0.0.1:1883 failed: Connection refused".
    func mqttDidDisconnect(_ client: MQTTClient, reason: String)

    /// A message arrived on a subscribed topic.
    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8])

    /// A message arrived on a subscribed topic, with how it was delivered (`MQTTDelivery`).
    /// By default this calls the three-argument form.
    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8], delivery: MQTTDelivery)
}

extension MQTTClientDelegate {
    public func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8], delivery: MQTTDelivery) {
        mqttDidReceive(client, topic: topic, payload: payload)
    }
}

/// How a message was delivered, beyond its topic and payload.
public struct MQTTDelivery: Sendable, Hashable {
    /// The broker sent it from its store because a subscription was made (the RETAIN flag of a
    /// delivered PUBLISH), not because someone published it now.
    public var retained = false
    /// MQTT 5: the Response Topic the sender asked the answer to go to.
    public var responseTopic: String?
    /// MQTT 5: the Correlation Data to return with that answer.
    public var correlationData: [UInt8]?

    public init(retained: Bool = false, responseTopic: String? = nil, correlationData: [UInt8]? = nil) {
        self.retained = retained
        self.responseTopic = responseTopic
        self.correlationData = correlationData
    }
}
