/// What can go wrong when configuring, starting or publishing through an `MQTTClient`.
///
/// Connection failures are not errors of any call: the client retries them by itself and
/// reports them through `MQTTClientDelegate.mqttDidDisconnect` and `MQTTStatus.lastError`.
public enum MQTTError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A server URL that is not `mqtt://HOST[:PORT]` or `mqtts://HOST[:PORT]`; the text says why.
    case invalidServerURL(String)
    /// A configuration value out of range or a TLS file that cannot be read; the text says which.
    case invalidConfiguration(String)
    /// A message that cannot be published as given (QoS out of range, NUL in the topic).
    case invalidMessage(String)
    /// The client has no accepted connection right now (offline, reconnecting, or stopped).
    /// Nothing is queued: the caller decides whether the message still matters later.
    case notConnected
    /// `start()` was called on a client that was already started.
    case alreadyStarted
    /// `start()` was called after `stop()`; a stopped client cannot be restarted.
    case stopped
    /// The system refused to create the network thread.
    case threadNotAvailable
    /// libmosquitto refused a call; `code` is its `MOSQ_ERR_*` value and `message` its
    /// `mosquitto_strerror` text.
    case library(code: Int32, message: String)

    /// A sentence for logs and for `gatewayctl`.
    public var description: String {
        switch self {
        case .invalidServerURL(let why): "invalid MQTT server URL: \(why)"
        case .invalidConfiguration(let why): "invalid MQTT configuration: \(why)"
        case .invalidMessage(let why): "invalid MQTT message: \(why)"
        case .notConnected: "not connected to the MQTT broker"
        case .alreadyStarted: "the MQTT client is already started"
        case .stopped: "the MQTT client is stopped and cannot be started again"
        case .threadNotAvailable: "the system refused to create the MQTT network thread"
        case .library(let code, let message): "libmosquitto error \(code): \(message)"
        }
    }
}
