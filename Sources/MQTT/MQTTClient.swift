public import Logging

/// A connection to one MQTT broker that keeps itself up: a small Swift face over libmosquitto.
///
/// `start()` launches one network thread ("mqtt-net") that connects, and after any failure
/// (refused TCP, DNS, TLS, a refused login, a lost broker) reconnects forever with capped,
/// jittered exponential back-off. Every attempt uses a fresh libmosquitto handle, and
/// `publish` refuses to queue while offline, so a reconnection never replays stale messages.
/// Remembered subscriptions are renewed on every connection. Events arrive on the network
/// thread through an `MQTTClientDelegate`.
///
/// All methods are thread-safe.
public final class MQTTClient: Sendable {
    let core: ClientCore

    /// Validates `configuration`; nothing is resolved, opened or started yet.
    /// - Throws: `MQTTError.invalidConfiguration` from `MQTTConfiguration.validate()`, or
    ///   `.library` if libmosquitto cannot be initialised.
    public init(configuration: MQTTConfiguration, logger: Logger) throws(MQTTError) {
        try configuration.validate()
        guard MosquittoLibrary.initialised else {
            throw .library(code: -1, message: "mosquitto_lib_init failed")
        }
        var logger = logger
        logger[metadataKey: "mqtt.broker"] = "\(configuration.endpointDescription)"
        if configuration.protocolVersion == .v311, configuration.clientID.utf8.count > 23 {
            logger.notice("MQTT: client id is \(configuration.clientID.utf8.count) bytes; a strict MQTT 3.1.1 broker accepts only 23")
        }
        core = ClientCore(configuration: configuration, logger: logger)
        core.stateLock.withLock { core.client = self }
    }

    /// Releasing a running client stops it as `stop()` would, without a final message.
    deinit {
        core.stop(finalMessage: nil, timeout: 1.5)
    }

    /// The configuration the client was created with.
    public var configuration: MQTTConfiguration { core.configuration }

    /// Sets the receiver of events; set it before `start()` so that no event is missed.
    ///
    /// The delegate is held weakly: the usual delegate is the object that owns the client, and
    /// a strong reference would keep both alive forever. Events for a delegate that is gone are
    /// dropped.
    public func setDelegate(_ delegate: any MQTTClientDelegate) {
        core.stateLock.withLock { core.delegate = delegate }
    }

    /// Starts the network thread and returns at once; the first attempt happens on that thread,
    /// so a broker that is unreachable at start-up is retried and logged, not fatal.
    /// - Throws: `.alreadyStarted`, `.stopped` (a client runs once), `.threadNotAvailable`.
    public func start() throws(MQTTError) {
        try core.start()
    }

    /// Publishes `message` if the client is connected right now.
    ///
    /// Thread-safe and cheap (libmosquitto queues the packet and wakes the network thread).
    /// Nothing is queued while offline: the caller decides what still matters after a
    /// reconnection (the gateway republishes its current state from `mqttDidConnect`). A message
    /// accepted in the instant the connection drops is lost, never replayed later.
    /// - Returns: libmosquitto's message id (matches the acknowledgement for QoS > 0).
    /// - Throws: `.notConnected` while offline or stopping, `.invalidMessage` for a bad topic or
    ///   QoS, `.library` for anything else libmosquitto refuses.
    @discardableResult
    public func publish(_ message: MQTTMessage) throws(MQTTError) -> Int32 {
        try core.publish(message)
    }

    /// Subscribes to `topic` (a filter; wildcards allowed) now if connected, and again after
    /// every reconnection. Subscribing to a remembered filter again only changes its QoS. An
    /// invalid filter or QoS is logged and ignored.
    public func subscribe(_ topic: String, qos: Int) {
        core.subscribe(topic, qos: qos)
    }

    /// Stops subscribing to `topic` (a filter given to `subscribe`): unsubscribes now if
    /// connected, and later connections leave it out. Messages the broker sent before it
    /// handled the UNSUBSCRIBE may still arrive.
    public func unsubscribe(_ topic: String) {
        core.unsubscribe(topic)
    }

    /// Disconnects cleanly and ends the network thread, returning within about `timeout` seconds.
    ///
    /// If connected and `finalMessage` is given (the gateway's retained `offline` state), it is
    /// published with QoS 1 (or 2 if asked) and its acknowledgement awaited for up to half the
    /// timeout; then DISCONNECT is sent, which tells the broker not to publish the last will.
    /// A network thread blocked in connect() is freed by shutting its socket down; one blocked
    /// where nothing can reach it (a DNS lookup) is left to finish by itself after `timeout`,
    /// sending nothing more. No delegate method is called once stop has begun.
    ///
    /// Idempotent; a stopped client cannot be started again. Called from a delegate method (the
    /// network thread), it queues the final message and DISCONNECT and returns at once.
    public func stop(finalMessage: MQTTMessage? = nil, timeout: Double = 1.5) {
        core.stop(finalMessage: finalMessage, timeout: timeout)
    }

    /// Whether the broker has accepted the current connection.
    public var isConnected: Bool { core.isConnected }

    /// The connection state and counters.
    public var status: MQTTStatus { core.statusSnapshot }

    /// Test hook: the kernel thread id of the network thread, once it runs.
    var networkThreadID: Int32? { core.stateLock.withLock { core.networkThreadID } }

    /// Test hook: ends the TCP connection without DISCONNECT, as a dead network would.
    @discardableResult
    func dropConnectionWithoutDisconnect() -> Bool { core.dropConnectionWithoutDisconnect() }
}
