/// The `data` of a `status` answer, on the control topic and the control socket alike, and
/// what `gatewayctl status --json` prints. Its field names are a stable interface.
///
/// Every field is optional so that gatewayctl reads what an older or newer gatewayd sends and
/// shows what is missing as `?`; gatewayd fills them all (GatewayStatusTests checks).
public struct StatusDocument: Codable, Sendable, Hashable {
    /// gatewayd's version.
    public var version: String?
    /// gatewayd's process id.
    public var pid: Int?
    /// When gatewayd started (ISO 8601, UTC).
    public var startedAt: String?
    /// Seconds since start.
    public var uptimeS: Int?
    /// The base topic.
    public var baseTopic: String?
    /// The device id.
    public var deviceID: String?
    /// The broker connection.
    public var mqtt: MQTT?
    /// `subscribed` or `unsubscribed`.
    public var subscription: String?
    /// The last Wi-Fi status (the `<base>/wlan/state` payload); null before the first.
    @Nullable public var wlan: WlanStateDocument?
    /// Counters since start.
    public var counters: Counters?

    /// The broker connection as gatewayd sees it.
    public struct MQTT: Codable, Sendable, Hashable {
        /// `mqtt://host:port` or `mqtts://host:port`, never with credentials.
        public var server: String?
        /// Whether the connection is up.
        public var connected: Bool?
        /// When it last came up or went down.
        public var since: String?
        /// Seconds since then.
        public var forS: Int?
        /// Successful connections.
        public var connects: Int?
        /// Connections after the first.
        public var reconnects: Int?
        /// Why the connection last went down or failed; null if it never did.
        @Nullable public var lastError: String?

        /// A connection with the values given.
        public init(
            server: String? = nil, connected: Bool? = nil, since: String? = nil, forS: Int? = nil, connects: Int? = nil,
            reconnects: Int? = nil, lastError: String? = nil
        ) {
            self.server = server
            self.connected = connected
            self.since = since
            self.forS = forS
            self.connects = connects
            self.reconnects = reconnects
            self.lastError = lastError
        }

        enum CodingKeys: String, CodingKey {
            case server, connected, since, forS = "for_s", connects, reconnects, lastError = "last_error"
        }
    }

    /// What gatewayd counted since it started.
    public struct Counters: Codable, Sendable, Hashable {
        /// Wi-Fi updates received through the bouncer.
        public var updatesReceived: Int?
        /// Updates published to `<base>/wlan/state`.
        public var updatesPublished: Int?
        /// Updates not published because the broker was away.
        public var updatesDropped: Int?
        /// Messages the bouncers refused.
        public var bouncerIgnored: Int?
        /// Control requests answered `ok`.
        public var controlOK: Int?
        /// Control requests answered `error`.
        public var controlErrors: Int?
        /// MQTT messages published.
        public var published: Int?
        /// Publishes the client library refused.
        public var publishErrors: Int?
        /// MQTT messages received on subscribed topics.
        public var mqttReceived: Int?
        /// Times the net server went away.
        public var netServerLost: Int?

        /// Counters with the values given.
        public init(
            updatesReceived: Int? = nil, updatesPublished: Int? = nil, updatesDropped: Int? = nil, bouncerIgnored: Int? = nil,
            controlOK: Int? = nil, controlErrors: Int? = nil, published: Int? = nil, publishErrors: Int? = nil,
            mqttReceived: Int? = nil, netServerLost: Int? = nil
        ) {
            self.updatesReceived = updatesReceived
            self.updatesPublished = updatesPublished
            self.updatesDropped = updatesDropped
            self.bouncerIgnored = bouncerIgnored
            self.controlOK = controlOK
            self.controlErrors = controlErrors
            self.published = published
            self.publishErrors = publishErrors
            self.mqttReceived = mqttReceived
            self.netServerLost = netServerLost
        }

        enum CodingKeys: String, CodingKey {
            case updatesReceived = "updates_received", updatesPublished = "updates_published"
            case updatesDropped = "updates_dropped", bouncerIgnored = "bouncer_ignored"
            case controlOK = "control_ok", controlErrors = "control_errors", published
            case publishErrors = "publish_errors", mqttReceived = "mqtt_received", netServerLost = "net_server_lost"
        }
    }

    /// A document with the fields given.
    public init(
        version: String? = nil, pid: Int? = nil, startedAt: String? = nil, uptimeS: Int? = nil, baseTopic: String? = nil,
        deviceID: String? = nil, mqtt: MQTT? = nil, subscription: String? = nil, wlan: WlanStateDocument? = nil,
        counters: Counters? = nil
    ) {
        self.version = version
        self.pid = pid
        self.startedAt = startedAt
        self.uptimeS = uptimeS
        self.baseTopic = baseTopic
        self.deviceID = deviceID
        self.mqtt = mqtt
        self.subscription = subscription
        self.wlan = wlan
        self.counters = counters
    }

    enum CodingKeys: String, CodingKey {
        case version, pid, startedAt = "started_at", uptimeS = "uptime_s", baseTopic = "base_topic"
        case deviceID = "device_id", mqtt, subscription, wlan, counters
    }
}

/// The `<base>/wlan/state` payload of the MQTT contract: every field of a `WlanStatusIpc`,
/// named for people, plus the update's sequence number and arrival time.
///
/// gatewayd writes the payload itself with a byte writer on every update; this type is how
/// everything else reads it (gatewayctl, the status document), and PayloadTests checks that
/// the two agree field by field.
public struct WlanStateDocument: Codable, Sendable, Hashable {
    /// `connected`, `wpa_connecting`, … (the name of `link_state_code`).
    public var linkState: String?
    /// The net server's link state number.
    public var linkStateCode: Int?
    /// Whether the link is up.
    public var connected: Bool?
    /// The network's name; null when there is none.
    @Nullable public var ssid: String?
    /// The signal in dBm; null without an SSID.
    @Nullable public var rssiDBm: Int?
    /// The IPv4 configuration.
    public var ipv4: IPv4?
    /// The update's number since gatewayd started, from 1.
    public var seq: Int?
    /// When gatewayd received it (ISO 8601, UTC, milliseconds).
    public var receivedAt: String?

    /// The IPv4 configuration, addresses in dotted form.
    public struct IPv4: Codable, Sendable, Hashable {
        /// `bound`, `requesting`, … (the DHCP client's state).
        public var dhcp: String?
        /// The Wi-Fi interface's MAC address.
        public var mac: String?
        /// The IPv4 address (`0.0.0.0` before DHCP).
        public var address: String?
        /// The default gateway.
        public var gateway: String?
        /// The netmask.
        public var netmask: String?
        /// The first DNS server.
        public var dns1: String?
        /// The second DNS server.
        public var dns2: String?

        /// A configuration with the values given.
        public init(
            dhcp: String? = nil, mac: String? = nil, address: String? = nil, gateway: String? = nil, netmask: String? = nil,
            dns1: String? = nil, dns2: String? = nil
        ) {
            self.dhcp = dhcp
            self.mac = mac
            self.address = address
            self.gateway = gateway
            self.netmask = netmask
            self.dns1 = dns1
            self.dns2 = dns2
        }
    }

    /// A document with the fields given.
    public init(
        linkState: String? = nil, linkStateCode: Int? = nil, connected: Bool? = nil, ssid: String? = nil, rssiDBm: Int? = nil,
        ipv4: IPv4? = nil, seq: Int? = nil, receivedAt: String? = nil
    ) {
        self.linkState = linkState
        self.linkStateCode = linkStateCode
        self.connected = connected
        self.ssid = ssid
        self.rssiDBm = rssiDBm
        self.ipv4 = ipv4
        self.seq = seq
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case linkState = "link_state", linkStateCode = "link_state_code", connected, ssid, rssiDBm = "rssi_dbm", ipv4, seq
        case receivedAt = "received_at"
    }
}

/// The `data` of a `subscribe` or `unsubscribe` answer.
public struct SubscriptionDocument: Codable, Sendable, Hashable {
    /// `subscribed` or `unsubscribed`.
    public var subscription: String?

    /// A document saying `subscription`.
    public init(subscription: String?) { self.subscription = subscription }
}
