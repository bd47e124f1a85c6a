public import GatewayControl
public import NetServer

#if canImport(Glibc)
import Glibc
#endif

/// What the gateway is doing, as the main server last saw it: the source of the `status`
/// control response, `bridge/health` and `gatewayctl status`.
public struct GatewayStatus: Sendable, Hashable {
    /// The gateway's version.
    public var version: String = gatewayVersion
    /// The gateway's process id.
    public var pid = Int(getpid())
    /// When the gateway started.
    public var startedAt: WallClockTime = .now
    /// The broker, as `mqtt://host:port` or `mqtts://host:port` (never with credentials).
    public var mqttServer = ""
    /// Whether the MQTT connection is up.
    public var mqttConnected = false
    /// When the connection last came up or went down (the start time until the first change).
    public var mqttSince: WallClockTime = .now
    /// Connections after the first: every one that followed a lost (or replaced) connection.
    public var mqttReconnects: Int { max(0, mqttConnects - 1) }
    /// Successful connections.
    public var mqttConnects = 0
    /// Why the connection last went down or failed, if it did.
    public var mqttLastError: String?
    /// Messages published.
    public var published = 0
    /// Publishes refused by the client library (not counting those skipped while offline).
    public var publishErrors = 0
    /// Messages received on subscribed topics.
    public var received = 0
    /// Whether the Wi-Fi push subscription is on.
    public var subscribed = false
    /// The last Wi-Fi status and when it arrived.
    public var lastStatus: WlanStatus?
    /// When `lastStatus` arrived.
    public var lastStatusAt: WallClockTime?
    /// Wi-Fi updates received through the bouncer (the `seq` of the last one).
    public var updatesReceived = 0
    /// Updates published to `<base>/wlan/state`.
    public var updatesPublished = 0
    /// Updates not published because the broker was away (the latest is republished on reconnect).
    public var updatesDropped = 0
    /// Messages the bouncers refused (summed over every bouncer since start).
    public var bouncerIgnored = 0
    /// Times the gateway found the net server it subscribed to gone (it then waits for a net
    /// server to register and subscribes again through a fresh bouncer).
    public var netServerLost = 0
    /// False from finding the net server gone until one has registered again.
    public var netServerAvailable = true
    /// The error that last showed the net server gone (normally `ServerNotFound (9)`).
    public var netServerLastError: String?
    /// Control requests answered `ok`.
    public var controlOK = 0
    /// Control requests answered `error`.
    public var controlErrors = 0
    /// Retained messages on the control topic, never executed.
    public var retainedControlIgnored = 0

    /// `subscribed` or `unsubscribed`, as the status, the subscription topic and the control
    /// answers spell it.
    public var subscriptionState: String { subscribed ? "subscribed" : "unsubscribed" }

    /// A gateway that just started.
    public init() {}

    /// Seconds since start.
    public func uptimeSeconds(now: WallClockTime = .now) -> Int {
        Int((now.millisecondsSinceEpoch - startedAt.millisecondsSinceEpoch) / 1000)
    }

    /// The `<base>/bridge/health` payload.
    public func healthPayload(now: WallClockTime = .now) -> HealthDocument {
        HealthDocument(
            uptimeS: uptimeSeconds(now: now), version: version,
            mqtt: .init(
                connected: mqttConnected, connects: mqttConnects, reconnects: mqttReconnects, published: published,
                publishErrors: publishErrors, received: received),
            net: .init(
                subscribed: subscribed, updatesReceived: updatesReceived, updatesPublished: updatesPublished,
                updatesDropped: updatesDropped, bouncerIgnored: bouncerIgnored, serverAvailable: netServerAvailable,
                serverLost: netServerLost),
            control: .init(requests: controlOK + controlErrors, ok: controlOK, errors: controlErrors))
    }

    /// The `<base>/wlan/state` payload of the last Wi-Fi status, or nil before the first.
    public func wlanPayload(now: WallClockTime = .now) -> WlanStateDocument? {
        lastStatus.map { WlanStatePayload.document($0, seq: updatesReceived, receivedAt: lastStatusAt ?? now) }
    }

    /// The bytes of ``wlanPayload(now:)``, written directly: what every update publishes.
    public func wlanPayloadBytes(now: WallClockTime = .now) -> [UInt8]? {
        lastStatus.map { WlanStatePayload.bytes($0, seq: updatesReceived, receivedAt: lastStatusAt ?? now) }
    }

    /// The `data` of a `status` answer, on the control topic and the control socket alike.
    public func statusData(configuration: GatewayConfiguration, now: WallClockTime = .now) -> StatusDocument {
        StatusDocument(
            version: version, pid: pid, startedAt: startedAt.iso8601, uptimeS: uptimeSeconds(now: now),
            baseTopic: configuration.baseTopic, deviceID: configuration.deviceID,
            mqtt: .init(
                server: mqttServer, connected: mqttConnected, since: mqttSince.iso8601,
                forS: Int(max(0, now.millisecondsSinceEpoch - mqttSince.millisecondsSinceEpoch) / 1000),
                connects: mqttConnects, reconnects: mqttReconnects, lastError: mqttLastError),
            subscription: subscriptionState,
            wlan: wlanPayload(now: now),
            counters: .init(
                updatesReceived: updatesReceived, updatesPublished: updatesPublished, updatesDropped: updatesDropped,
                bouncerIgnored: bouncerIgnored, controlOK: controlOK, controlErrors: controlErrors, published: published,
                publishErrors: publishErrors, mqttReceived: received, netServerLost: netServerLost))
    }
}

/// The `<base>/bridge/health` payload: uptime, version and the counters an operator watches.
public struct HealthDocument: Codable, Sendable, Hashable {
    /// Seconds since start.
    public var uptimeS: Int
    /// gatewayd's version.
    public var version: String
    /// The broker connection.
    public var mqtt: MQTT
    /// The Wi-Fi push subscription.
    public var net: Net
    /// Control requests answered.
    public var control: Control

    /// The broker connection's counters.
    public struct MQTT: Codable, Sendable, Hashable {
        /// Whether the connection is up.
        public var connected: Bool
        /// Successful connections.
        public var connects: Int
        /// Connections after the first.
        public var reconnects: Int
        /// Messages published.
        public var published: Int
        /// Publishes the client library refused.
        public var publishErrors: Int
        /// Messages received on subscribed topics.
        public var received: Int

        enum CodingKeys: String, CodingKey {
            case connected, connects, reconnects, published, publishErrors = "publish_errors", received
        }
    }

    /// The subscription's state and counters.
    public struct Net: Codable, Sendable, Hashable {
        /// Whether the Wi-Fi push subscription is on.
        public var subscribed: Bool
        /// Wi-Fi updates received.
        public var updatesReceived: Int
        /// Updates published.
        public var updatesPublished: Int
        /// Updates dropped while the broker was away.
        public var updatesDropped: Int
        /// Messages the bouncers refused.
        public var bouncerIgnored: Int
        /// Whether a net server is registered.
        public var serverAvailable: Bool
        /// Times the net server went away.
        public var serverLost: Int

        enum CodingKeys: String, CodingKey {
            case subscribed, updatesReceived = "updates_received", updatesPublished = "updates_published"
            case updatesDropped = "updates_dropped", bouncerIgnored = "bouncer_ignored", serverAvailable = "server_available"
            case serverLost = "server_lost"
        }
    }

    /// Control requests: all, answered ok, answered with an error.
    public struct Control: Codable, Sendable, Hashable {
        /// All requests.
        public var requests: Int
        /// Requests answered `ok`.
        public var ok: Int
        /// Requests answered `error`.
        public var errors: Int
    }

    enum CodingKeys: String, CodingKey {
        case uptimeS = "uptime_s", version, mqtt, net, control
    }
}

/// A `{"state":…}` payload: `<base>/bridge/state` and `<base>/subscription/state`.
public struct StateDocument: Codable, Sendable, Hashable {
    /// `online`/`offline`, or `subscribed`/`unsubscribed`.
    public var state: String

    /// A payload saying `state`.
    public init(_ state: String) { self.state = state }
}
