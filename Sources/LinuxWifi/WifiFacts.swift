public import NetServer

/// Everything the Linux source knows about its interface at one moment, from sysfs, procfs,
/// rtnetlink and nl80211; `status` maps it onto the `WlanStatus` the net server pushes.
public struct WifiFacts: Sendable, Hashable {
    /// sysfs facts, or nil when the interface does not exist.
    public var interface: InterfaceFiles?
    /// The SSID of the associated network (nl80211), when associated and known.
    public var ssid: [UInt8]?
    /// The signal in dBm (nl80211 station info, else `/proc/net/wireless`).
    public var signalDBm: Int?
    /// The first IPv4 address on the interface and its prefix length.
    public var address: (IPv4Address, UInt8)?
    /// The default gateway through the interface.
    public var gateway: IPv4Address?
    /// Name servers (resolv.conf), at most two.
    public var nameServers: [IPv4Address] = []

    /// Facts about nothing: the interface is absent.
    public init(interface: InterfaceFiles? = nil) { self.interface = interface }

    public static func == (lhs: WifiFacts, rhs: WifiFacts) -> Bool {
        lhs.interface == rhs.interface && lhs.ssid == rhs.ssid && lhs.signalDBm == rhs.signalDBm
            && lhs.address?.0 == rhs.address?.0 && lhs.address?.1 == rhs.address?.1 && lhs.gateway == rhs.gateway
            && lhs.nameServers == rhs.nameServers
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(interface)
        hasher.combine(ssid)
        hasher.combine(signalDBm)
        hasher.combine(address?.0)
        hasher.combine(address?.1)
    }

    /// The link state these facts amount to.
    ///
    /// - absent, or not wireless: `unknown` (there is no Wi-Fi to speak of);
    /// - administratively down: `resetHold` (the radio is held off, as Xous's chip in reset);
    /// - `notpresent` (the driver lost the hardware): `wfxError`;
    /// - `testing`: `initializing`;
    /// - `dormant` (RFC 2863: waiting for authentication, as wpa_supplicant sets it during the
    ///   WPA handshake): `connecting`;
    /// - `up` with carrier (associated): `connected`;
    /// - otherwise (`down`, `lowerlayerdown`, no carrier): `disconnected`.
    public var linkState: LinkState {
        guard let interface, interface.isWireless else { return .unknown }
        guard interface.isUp else { return .resetHold }
        switch interface.operState {
        case "notpresent": return .wfxError
        case "testing": return .initializing
        case "dormant": return .connecting
        case "up": return interface.carrier == false ? .disconnected : .connected
        case "unknown", nil:
            // Some drivers never set an operstate: carrier alone tells.
            return interface.carrier == true ? .connected : .disconnected
        default: return .disconnected
        }
    }

    /// The `WlanStatus` for these facts.
    ///
    /// The SSID record appears only while associated with a known SSID; its RSSI is the
    /// signal negated, as Xous stores it (0 when no signal is known). DHCP is `bound` while
    /// an address is configured; without one it is `init` on a connected link (a client would
    /// be starting) and `halted` otherwise: Linux does not say more, and guessing would not be
    /// honest.
    public var status: WlanStatus {
        let state = linkState
        var record: SsidRecord?
        if state == .connected || state == .connecting, let ssid, !ssid.isEmpty {
            record = try? SsidRecord(name: Self.ssidText(ssid), rssiDBm: signalDBm ?? 0)
        }
        var ipv4 = Ipv4Conf.default
        ipv4.mac = interface?.mac ?? .zero
        if let (address, prefix) = address {
            ipv4.dhcp = .bound
            ipv4.addr = address
            ipv4.mask = Self.mask(prefix)
            ipv4.gateway = gateway ?? .zero
            ipv4.dns1 = nameServers.first ?? .zero
            ipv4.dns2 = nameServers.dropFirst().first ?? .zero
        } else {
            ipv4.dhcp = state == .connected ? .`init` : .halted
        }
        return WlanStatus(ssid: record, linkState: state, ipv4: ipv4)
    }

    /// An SSID is 0–32 arbitrary bytes: decoded as UTF-8 with replacement characters, then cut
    /// at a character boundary to fit the record's 32 bytes.
    static func ssidText(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes.prefix(32), as: UTF8.self)
        while text.utf8.count > SsidRecord.maxNameBytes { text.removeLast() }
        return text
    }

    /// `24` → `255.255.255.0`.
    static func mask(_ prefix: UInt8) -> IPv4Address {
        let bits = min(Int(prefix), 32)
        let value: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return IPv4Address(UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff))
    }
}
