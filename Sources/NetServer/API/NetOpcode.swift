public import XousIPC

/// The name the net server registers under (`SERVER_NAME_NET`). Xous bakes it into `libstd`,
/// so it cannot change.
public let serverNameNet = "_Middleware Network Server_"

/// The net server's opcodes (`services/net/src/api.rs`, `Opcode`), with Xous's numbers.
/// Only the ones this model answers are listed; 2–10 are retired in Xous.
public enum NetOpcode: MessageID, Sendable, CaseIterable {
    /// MutableBorrow of an `Ipv4ConfigReply`; filled with the current configuration.
    case getIpv4Config = 20
    /// Move of a `WifiStateSubscription`; forwarded to the connection manager.
    case subscribeWifiStats = 22
    /// BlockingScalar with the four SID words; forwarded; always answered 1.
    case unsubWifiStats = 23
    /// Scalar from the Wi-Fi event source: the chip's state changed.
    case comInterrupt = 26
    /// Scalar, accepted from the net server's own process only: shut down.
    case quit = 29
    /// Model only, beyond Xous: BlockingScalar with the four words of a subscription's SID,
    /// held until that subscription ends and answered with a `WatchWifiStatsReply`; when the
    /// net server's process ends, the kernel answers it `ServerNotFound`. A subscriber parks a
    /// thread here to learn at once that the net server went away, which Xous's protocol
    /// never tells it.
    case watchWifiStats = 0x7e00

    /// Opcodes must stay below this flag; the main loop dispatches on `id & 0x7fff`.
    public static let nonblockingFlag: MessageID = 0x8000
}

/// How the net server answers a held `WatchWifiStats`.
public enum WatchWifiStatsReply: UInt, Sendable {
    /// The subscription ended (unsubscribed, or pruned because the subscriber's server is gone).
    case released = 1
    /// The net server is stopping.
    case stopping = 2
    /// A newer watch took this one's place (one per subscription, and a few in all).
    case displaced = 3
}

/// What the one-time bouncer server accepts (`WifiStateCallback`): nothing else.
public enum WifiStateCallback: MessageID, Sendable, CaseIterable {
    /// Move of a `WlanStatusIpc` from the net server.
    case update = 0
    /// BlockingScalar from the subscriber's own `NetManager`: answer 1 and shut down.
    case drop = 1
}

/// The private connection manager's opcodes (`ConnectionManagerOpcode`), Xous's numbers.
enum ConnectionManagerOpcode: MessageID, Sendable {
    case subscribeWifiStats = 6
    case unsubWifiStats = 7
    case comInt = 9
    case quit = 12
    /// Model only: a subscriber's pusher found its server gone (args: CID, serial).
    case subscriberGone = 0x7f01
    /// Model only, from the main loop: it holds a `WatchWifiStats` for the SID in the args; one
    /// for a subscription this table no longer has (unsubscribed before the watch arrived) is
    /// released. Queued behind the subscribe the main loop forwarded first, so it sees that.
    case watchHeld = 0x7f02
}

/// COM interrupt bits (`com_rs`, `INT_*`), carried in `ComInterrupt`'s first argument and
/// forwarded to the connection manager as `ComInt`. The net server enables `enabledMask`
/// (`set_com_ints` in `services/net/src/main.rs`).
public enum ComInterruptBits {
    /// A Wi-Fi packet is waiting (`INT_WLAN_RX_READY`).
    public static let wlanRxReady: UInt = 0x0001
    /// The Wi-Fi chip has a new IPv4 configuration (`INT_WLAN_IPCONF_UPDATE`): the net server
    /// reads it and answers `GetIpv4Config` with it from then on.
    public static let wlanIpConfigUpdate: UInt = 0x0002
    /// An SSID scan found a network (`INT_WLAN_SSID_UPDATE`).
    public static let wlanSsidUpdate: UInt = 0x0004
    /// The battery is critical (`INT_BATTERY_CRITICAL`).
    public static let batteryCritical: UInt = 0x0008
    /// A transmit failed (`INT_WLAN_TX_ERROR`).
    public static let wlanTxError: UInt = 0x0010
    /// A receive failed (`INT_WLAN_RX_ERROR`).
    public static let wlanRxError: UInt = 0x0020
    /// The Wi-Fi link went down (`INT_WLAN_DISCONNECT`).
    public static let wlanDisconnect: UInt = 0x0040
    /// The Wi-Fi link came up (`INT_WLAN_CONNECT_EVENT`).
    public static let wlanConnectEvent: UInt = 0x0080
    /// An SSID scan finished (`INT_WLAN_SSID_FINISHED`).
    public static let wlanSsidFinished: UInt = 0x0100
    /// The WFX chip reported an error (`INT_WLAN_WFX_ERR`).
    public static let wlanWfxError: UInt = 0x0200
    /// The interrupt vector itself is invalid (`INT_INVALID`).
    public static let invalid: UInt = 0x8000

    /// What the net server enables: IP config, RX ready, battery critical, connect,
    /// disconnect, SSID scan update and finished, WFX error, invalid (Xous's `set_com_ints`).
    public static let enabledMask: UInt = wlanIpConfigUpdate | wlanRxReady | batteryCritical | wlanConnectEvent
        | wlanDisconnect | wlanSsidUpdate | wlanSsidFinished | wlanWfxError | invalid

    /// The bits a change from `old` to `new` raises: connect or disconnect when the link came
    /// up or went down, IP config when a DHCP-bound configuration appeared or changed. A state
    /// change with none of these (the RSSI drifting, say) still reaches subscribers: the net
    /// server pushes every state, and Xous learns RSSI by polling, which raises nothing.
    public static func raised(from old: WlanStatus, to new: WlanStatus) -> UInt {
        var bits: UInt = 0
        let wasUp = old.linkState == .connected, isUp = new.linkState == .connected
        if isUp && !wasUp { bits |= wlanConnectEvent }
        if wasUp && !isUp { bits |= wlanDisconnect }
        if new.ipv4.dhcp == .bound, new.ipv4 != old.ipv4 || old.ipv4.dhcp != .bound { bits |= wlanIpConfigUpdate }
        return bits
    }
}

/// Answer to `GetIpv4Config`, Xous's `Option<[u16; 14]>`: archived as 30 bytes, alignment 2,
/// the tag at 0 (0 none, 1 some) and the 14 words of `Ipv4Conf` at 2 (zero when none).
public struct Ipv4ConfigReply: Archivable, Equatable {
    /// The configuration, nil when the net server has none.
    public var words: [UInt16]?

    /// A reply carrying `words` (exactly 14) or nothing.
    public init(words: [UInt16]?) { self.words = words }

    public static var archivedLayout: ArchivedLayout { Ipv4Words?.archivedLayout }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        words.map(Ipv4Words.init).archive(at: position, into: &writer)
    }

    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        words = try Ipv4Words?(archivedAt: position, in: reader)?.words
    }
}
