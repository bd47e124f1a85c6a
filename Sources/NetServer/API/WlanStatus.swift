/// The Wi-Fi state in typed form: Xous's `WlanStatus`, what a subscriber acts on.
public struct WlanStatus: Hashable, Sendable {
    /// The network the chip is on or joining, if any.
    public var ssid: SsidRecord?
    /// The link state.
    public var linkState: LinkState
    /// The IPv4 configuration.
    public var ipv4: Ipv4Conf

    /// Xous's `WlanStatus::default()`: no SSID, link state unknown, default IPv4 configuration.
    public static let `default` = WlanStatus()

    /// A state; omitted fields take their `default` values.
    public init(ssid: SsidRecord? = nil, linkState: LinkState = .unknown, ipv4: Ipv4Conf = .default) {
        self.ssid = ssid
        self.linkState = linkState
        self.ipv4 = ipv4
    }

    /// The typed view of a wire state (Xous's `WlanStatus::from_ipc`). Unknown link-state
    /// numbers read as `.unknown` and unknown DHCP numbers as `.invalid`, so this never fails.
    public init(_ ipc: WlanStatusIpc) {
        ssid = ipc.ssid
        linkState = LinkState(decoding: ipc.linkState)
        // `WlanStatusIpc` holds exactly 14 words by construction, the only thing this can refuse.
        ipv4 = (try? Ipv4Conf(words: ipc.ipv4)) ?? .default
    }
}
