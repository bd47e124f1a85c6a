/// The topic names of the MQTT contract, derived from the configuration once.
public struct Topics: Sendable, Hashable {
    /// `<base>/bridge/state`: online/offline, also the last will.
    public let bridgeState: String
    /// `<base>/wlan/state`: one message per Wi-Fi update.
    public let wlanState: String
    /// `<base>/bridge/subscription`: subscribed/unsubscribed.
    public let subscription: String
    /// `<base>/bridge/health`: counters, periodically.
    public let health: String
    /// `<base>/control`: requests in.
    public let control: String
    /// `<base>/control/response`: one response per request.
    public let controlResponse: String

    /// The retained state topics (not the record): what `--purge` and a moved base topic clear.
    public var retainedState: [String] { [wlanState, subscription, health, bridgeState] }
    /// Home Assistant's birth/will topic.
    public let homeAssistantStatus: String
    /// `<base>/bridge/discovery`: the record of the discovery topics published (`DiscoveryRecord`).
    public let discoveryRecord: String
    /// `<base>/bridge/discovery/scan`: the marker gatewayd sends itself after subscribing to
    /// what it looks for; when it comes back, every retained message before it has arrived.
    public let discoveryScan: String

    /// The topics for `configuration`.
    public init(_ configuration: GatewayConfiguration) {
        let base = configuration.baseTopic
        bridgeState = "\(base)/bridge/state"
        wlanState = "\(base)/wlan/state"
        subscription = "\(base)/bridge/subscription"
        health = "\(base)/bridge/health"
        control = "\(base)/control"
        controlResponse = "\(base)/control/response"
        homeAssistantStatus = configuration.homeAssistantStatusTopic
        discoveryRecord = "\(base)/bridge/discovery"
        discoveryScan = "\(base)/bridge/discovery/scan"
    }
}
