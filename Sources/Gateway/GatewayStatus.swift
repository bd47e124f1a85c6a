public import GatewayJSON
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

    /// Seconds since start.
    public func uptimeSeconds(now: WallClockTime = .now) -> Int {
        Int((now.millisecondsSinceEpoch - startedAt.millisecondsSinceEpoch) / 1000)
    }

    /// The `<base>/bridge/health` payload.
    public func healthPayload(now: WallClockTime = .now) -> JSONValue {
        .object([
            ("uptime_s", .int(uptimeSeconds(now: now))),
            ("version", .string(version)),
            ("mqtt", .object([
                ("connected", .bool(mqttConnected)),
                ("connects", .int(mqttConnects)),
                ("reconnects", .int(mqttReconnects)),
                ("published", .int(published)),
                ("publish_errors", .int(publishErrors)),
                ("received", .int(received)),
            ])),
            ("net", .object([
                ("subscribed", .bool(subscribed)),
                ("updates_received", .int(updatesReceived)),
                ("updates_published", .int(updatesPublished)),
                ("updates_dropped", .int(updatesDropped)),
                ("bouncer_ignored", .int(bouncerIgnored)),
                ("server_available", .bool(netServerAvailable)),
                ("server_lost", .int(netServerLost)),
            ])),
            ("control", .object([
                ("requests", .int(controlOK + controlErrors)),
                ("ok", .int(controlOK)),
                ("errors", .int(controlErrors)),
            ])),
        ])
    }

    /// The `<base>/wlan/state` payload of the last Wi-Fi status, or nil before the first.
    public func wlanPayload(now: WallClockTime = .now) -> JSONValue? {
        lastStatus.map { WlanStatePayload.make($0, seq: updatesReceived, receivedAt: lastStatusAt ?? now) }
    }

    /// The bytes of ``wlanPayload(now:)``, written directly: what every update publishes.
    public func wlanPayloadBytes(now: WallClockTime = .now) -> [UInt8]? {
        lastStatus.map { WlanStatePayload.bytes($0, seq: updatesReceived, receivedAt: lastStatusAt ?? now) }
    }

    /// The `data` of a `status` response, on the control topic and the control socket alike.
    /// Its field names are a stable interface (`gatewayctl status --json` prints it).
    public func statusData(configuration: GatewayConfiguration, now: WallClockTime = .now) -> JSONValue {
        let wlan = wlanPayload(now: now) ?? .null
        return .object([
            ("version", .string(version)),
            ("pid", .int(pid)),
            ("started_at", .string(startedAt.iso8601)),
            ("uptime_s", .int(uptimeSeconds(now: now))),
            ("base_topic", .string(configuration.baseTopic)),
            ("device_id", .string(configuration.deviceID)),
            ("mqtt", .object([
                ("server", .string(mqttServer)),
                ("connected", .bool(mqttConnected)),
                ("since", .string(mqttSince.iso8601)),
                ("for_s", .int(Int(max(0, now.millisecondsSinceEpoch - mqttSince.millisecondsSinceEpoch) / 1000))),
                ("connects", .int(mqttConnects)),
                ("reconnects", .int(mqttReconnects)),
                ("last_error", mqttLastError.map { .string($0) } ?? .null),
            ])),
            ("subscription", .string(subscribed ? "subscribed" : "unsubscribed")),
            ("wlan", wlan),
            ("counters", .object([
                ("updates_received", .int(updatesReceived)),
                ("updates_published", .int(updatesPublished)),
                ("updates_dropped", .int(updatesDropped)),
                ("bouncer_ignored", .int(bouncerIgnored)),
                ("control_ok", .int(controlOK)),
                ("control_errors", .int(controlErrors)),
                ("published", .int(published)),
                ("publish_errors", .int(publishErrors)),
                ("mqtt_received", .int(received)),
                ("net_server_lost", .int(netServerLost)),
            ])),
        ])
    }
}
