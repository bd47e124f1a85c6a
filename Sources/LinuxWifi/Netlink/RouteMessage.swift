/// A network interface as `RTM_NEWLINK` / `RTM_DELLINK` describe it (`struct ifinfomsg` and
/// its `IFLA_*` attributes).
public struct LinkInfo: Sendable, Hashable {
    /// `ifi_index`.
    public var index: Int32
    /// `ifi_flags`: `IFF_UP`, `IFF_RUNNING`, `IFF_LOWER_UP`, … (`linux/if.h`).
    public var flags: UInt32
    /// `IFLA_IFNAME`.
    public var name: String?
    /// `IFLA_OPERSTATE`: an `IF_OPER_*` value (RFC 2863); see `operStateName`.
    public var operState: UInt8?
    /// `IFLA_CARRIER`: 1 with carrier, 0 without.
    public var carrier: UInt8?
    /// `IFLA_ADDRESS`: the hardware address (6 bytes on Ethernet and Wi-Fi).
    public var mac: [UInt8]?
    /// `IFLA_INFO_KIND` inside `IFLA_LINKINFO`: the driver kind of a virtual link ("bridge",
    /// "veth", "dummy", …). Physical devices, Wi-Fi ones included, have none.
    public var kind: String?
    /// `IFLA_WIRELESS` is present. The kernel adds it only to the `RTM_NEWLINK` notifications
    /// that carry a wireless-extensions event, never to dumps or `RTM_GETLINK` replies, so
    /// false does not mean "not Wi-Fi": ask sysfs (`wireless/`, `phy80211`) or nl80211.
    public var isWireless: Bool
    /// Decoded from `RTM_DELLINK`: the interface is gone.
    public var removed: Bool

    /// A link with these facts (the decoder builds them from messages; tests make them up).
    public init(index: Int32, flags: UInt32, name: String? = nil, operState: UInt8? = nil, carrier: UInt8? = nil,
                mac: [UInt8]? = nil, kind: String? = nil, isWireless: Bool = false, removed: Bool = false) {
        self.index = index
        self.flags = flags
        self.name = name
        self.operState = operState
        self.carrier = carrier
        self.mac = mac
        self.kind = kind
        self.isWireless = isWireless
        self.removed = removed
    }

    /// `IFF_UP`: administratively up.
    public static let flagUp: UInt32 = 0x1
    /// `IFF_LOOPBACK`.
    public static let flagLoopback: UInt32 = 0x8
    /// `IFF_RUNNING`: operationally up (RFC 2863 "up").
    public static let flagRunning: UInt32 = 0x40
    /// `IFF_LOWER_UP`: the driver signals carrier.
    public static let flagLowerUp: UInt32 = 0x1_0000

    /// Administratively up (`IFF_UP`).
    public var isUp: Bool { flags & Self.flagUp != 0 }

    /// `operState` spelled as sysfs `operstate` spells it (`up`, `dormant`, …), so both sources
    /// compare alike; nil when absent or not an `IF_OPER_*` value.
    public var operStateName: String? {
        guard let operState, Int(operState) < Self.operStateNames.count else { return nil }
        return Self.operStateNames[Int(operState)]
    }

    /// `IF_OPER_UNKNOWN` … `IF_OPER_UP`, in value order (`linux/if.h`).
    static let operStateNames = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"]

    // IFLA_* and IFLA_INFO_* (linux/if_link.h).
    static let attributeAddress: UInt16 = 1
    static let attributeName: UInt16 = 3
    static let attributeWireless: UInt16 = 11
    static let attributeOperState: UInt16 = 16
    static let attributeLinkInfo: UInt16 = 18
    static let attributeCarrier: UInt16 = 33
    static let linkInfoKind: UInt16 = 1
    /// `sizeof(struct ifinfomsg)`.
    static let headerSize = 16

    /// Decodes the payload of `RTM_NEWLINK` or `RTM_DELLINK`.
    init(payload: [UInt8], removed: Bool) throws(NetlinkError) {
        // The attributes first: that checks the payload holds the fixed header read below.
        let attributes = try Netlink.attributes(in: payload, after: Self.headerSize, "struct ifinfomsg")
        self.init(index: try payload.host(Int32.self, at: 4, "ifi_index"),
                  flags: try payload.host(UInt32.self, at: 8, "ifi_flags"), removed: removed)
        name = try attributes.last(Self.attributeName)?.string()
        operState = try attributes.last(Self.attributeOperState)?.u8()
        carrier = try attributes.last(Self.attributeCarrier)?.u8()
        mac = attributes.last(Self.attributeAddress)?.value
        isWireless = attributes.last(Self.attributeWireless) != nil
        kind = try attributes.last(Self.attributeLinkInfo)?.nested().last(Self.linkInfoKind)?.string()
    }
}

/// An interface address as `RTM_NEWADDR` / `RTM_DELADDR` describe it (`struct ifaddrmsg` and
/// its `IFA_*` attributes).
public struct AddressInfo: Sendable, Hashable {
    /// `ifa_index`: the interface.
    public var index: Int32
    /// `ifa_family`: `AF_INET` (2) or `AF_INET6` (10).
    public var family: UInt8
    /// `ifa_prefixlen`.
    public var prefixLength: UInt8
    /// `IFA_LOCAL`, else `IFA_ADDRESS`, in network byte order. They differ only on
    /// point-to-point links, where `IFA_ADDRESS` is the peer's; `IFA_LOCAL` is always ours.
    public var address: [UInt8]
    /// `IFA_LABEL`: the interface name, or an alias such as `eth0:1` (IPv4 only).
    public var label: String?
    /// Decoded from `RTM_DELADDR`: the address is gone.
    public var removed: Bool

    /// An address with these facts.
    public init(index: Int32, family: UInt8, prefixLength: UInt8, address: [UInt8], label: String? = nil,
                removed: Bool = false) {
        self.index = index
        self.family = family
        self.prefixLength = prefixLength
        self.address = address
        self.label = label
        self.removed = removed
    }

    // IFA_* (linux/if_addr.h).
    static let attributeAddress: UInt16 = 1
    static let attributeLocal: UInt16 = 2
    static let attributeLabel: UInt16 = 3
    /// `sizeof(struct ifaddrmsg)`.
    static let headerSize = 8

    /// Decodes the payload of `RTM_NEWADDR` or `RTM_DELADDR`.
    init(payload: [UInt8], removed: Bool) throws(NetlinkError) {
        let attributes = try Netlink.attributes(in: payload, after: Self.headerSize, "struct ifaddrmsg")
        let family = payload[0]
        guard let address = (attributes.last(Self.attributeLocal) ?? attributes.last(Self.attributeAddress))?.value else {
            throw NetlinkError("address message without IFA_LOCAL or IFA_ADDRESS")
        }
        try checkAddressLength(address, family: family, "IFA_LOCAL/IFA_ADDRESS")
        let prefixLength = payload[1]
        if let bits = addressBits(family: family), prefixLength > bits {
            throw NetlinkError("prefix length \(prefixLength) exceeds the \(bits) bits of the address")
        }
        self.init(index: Int32(bitPattern: try payload.host(UInt32.self, at: 4, "ifa_index")), family: family,
                  prefixLength: prefixLength, address: address,
                  label: try attributes.last(Self.attributeLabel)?.string(), removed: removed)
    }
}

/// A route as `RTM_NEWROUTE` / `RTM_DELROUTE` describe it (`struct rtmsg` and its `RTA_*`
/// attributes). Multipath routes (`RTA_MULTIPATH`) are not unpacked: their gateway is nil.
public struct RouteInfo: Sendable, Hashable {
    /// `rtm_family`.
    public var family: UInt8
    /// `RTA_TABLE`, else `rtm_table` (which holds only tables below 256).
    public var table: UInt32
    /// `rtm_dst_len`: the destination prefix length; 0 for a default route.
    public var destinationLength: UInt8
    /// `RTA_DST`, network byte order; absent for a default route.
    public var destination: [UInt8]?
    /// `RTA_GATEWAY`, network byte order.
    public var gateway: [UInt8]?
    /// `RTA_OIF`: the output interface's index.
    public var outputIndex: Int32?
    /// `RTA_PRIORITY`: the metric; the lowest wins among equal prefixes.
    public var priority: UInt32?
    /// `rtm_type`: `RTN_UNICAST` (1), `RTN_LOCAL` (2), `RTN_BLACKHOLE` (6), …
    public var routeType: UInt8
    /// Decoded from `RTM_DELROUTE`: the route is gone.
    public var removed: Bool

    /// A route with these facts.
    public init(family: UInt8, table: UInt32, destinationLength: UInt8, destination: [UInt8]? = nil,
                gateway: [UInt8]? = nil, outputIndex: Int32? = nil, priority: UInt32? = nil,
                routeType: UInt8 = RouteInfo.typeUnicast, removed: Bool = false) {
        self.family = family
        self.table = table
        self.destinationLength = destinationLength
        self.destination = destination
        self.gateway = gateway
        self.outputIndex = outputIndex
        self.priority = priority
        self.routeType = routeType
        self.removed = removed
    }

    /// `RT_TABLE_MAIN`: where `ip route` puts routes unless told otherwise.
    public static let mainTable: UInt32 = 254
    /// `RTN_UNICAST`: a real route to a gateway or a link.
    public static let typeUnicast: UInt8 = 1

    /// A default route: prefix length 0, main table, unicast (a blackhole or unreachable
    /// default leads nowhere).
    public var isDefault: Bool { destinationLength == 0 && table == Self.mainTable && routeType == Self.typeUnicast }

    // RTA_* (linux/rtnetlink.h).
    static let attributeDestination: UInt16 = 1
    static let attributeOutput: UInt16 = 4
    static let attributeGateway: UInt16 = 5
    static let attributePriority: UInt16 = 6
    static let attributeTable: UInt16 = 15
    /// `sizeof(struct rtmsg)`.
    static let headerSize = 12

    /// Decodes the payload of `RTM_NEWROUTE` or `RTM_DELROUTE`.
    init(payload: [UInt8], removed: Bool) throws(NetlinkError) {
        let attributes = try Netlink.attributes(in: payload, after: Self.headerSize, "struct rtmsg")
        let family = payload[0]
        self.init(family: family, table: try attributes.last(Self.attributeTable)?.u32() ?? UInt32(payload[4]),
                  destinationLength: payload[1], routeType: payload[7], removed: removed)
        if let bits = addressBits(family: family), destinationLength > bits {
            throw NetlinkError("destination length \(destinationLength) exceeds the \(bits) bits of the address")
        }
        destination = attributes.last(Self.attributeDestination)?.value
        gateway = attributes.last(Self.attributeGateway)?.value
        if let destination { try checkAddressLength(destination, family: family, "RTA_DST") }
        if let gateway { try checkAddressLength(gateway, family: family, "RTA_GATEWAY") }
        outputIndex = (try attributes.last(Self.attributeOutput)?.u32()).map { Int32(bitPattern: $0) }
        priority = try attributes.last(Self.attributePriority)?.u32()
    }
}

/// `AF_INET` and `AF_INET6` address sizes in bits; nil for families this module does not know.
private func addressBits(family: UInt8) -> Int? {
    switch family {
    case 2: 32
    case 10: 128
    default: nil
    }
}

/// Refuses an address whose size does not match its family, so that a caller that trusts
/// `AF_INET` to mean 4 bytes never reads out of bounds.
private func checkAddressLength(_ bytes: [UInt8], family: UInt8, _ what: String) throws(NetlinkError) {
    if let bits = addressBits(family: family), bytes.count * 8 != bits {
        throw NetlinkError("\(what) has \(bytes.count) bytes, not the \(bits / 8) of family \(family)")
    }
}

/// An rtnetlink message, decoded: a link, an address, a route, or a type this module leaves
/// alone.
public enum RouteMessage: Sendable, Hashable {
    /// `RTM_NEWLINK` or `RTM_DELLINK` (`removed`).
    case link(LinkInfo)
    /// `RTM_NEWADDR` or `RTM_DELADDR` (`removed`).
    case address(AddressInfo)
    /// `RTM_NEWROUTE` or `RTM_DELROUTE` (`removed`).
    case route(RouteInfo)
    /// Any other type (control messages, neighbours, …): nothing decoded.
    case other(type: UInt16)

    /// Decodes `message`; throws when its payload is too short for its type or its attributes
    /// are malformed or of the wrong size.
    public static func decode(_ message: NetlinkMessage) throws(NetlinkError) -> RouteMessage {
        typealias T = Netlink.MessageType
        switch message.type {
        case T.newLink, T.deleteLink:
            return .link(try LinkInfo(payload: message.payload, removed: message.type == T.deleteLink))
        case T.newAddress, T.deleteAddress:
            return .address(try AddressInfo(payload: message.payload, removed: message.type == T.deleteAddress))
        case T.newRoute, T.deleteRoute:
            return .route(try RouteInfo(payload: message.payload, removed: message.type == T.deleteRoute))
        default:
            return .other(type: message.type)
        }
    }
}
