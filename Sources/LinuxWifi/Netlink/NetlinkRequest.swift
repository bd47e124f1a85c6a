/// Complete request messages (header included) for `NetlinkSocket.request`. The sequence
/// number is how the socket matches replies to the request; `NetlinkSocket.nextSequence()`
/// hands out fresh ones.
public enum NetlinkRequest {
    /// `RTM_GETLINK` for one interface: a single `RTM_NEWLINK` reply, or `ENODEV`.
    public static func getLink(index: Int32, sequence: UInt32) -> [UInt8] {
        message(Netlink.MessageType.getLink, dump: false, sequence: sequence, header: linkHeader(index: index))
    }

    /// `RTM_GETLINK` dump: one `RTM_NEWLINK` per interface.
    public static func dumpLinks(sequence: UInt32) -> [UInt8] {
        message(Netlink.MessageType.getLink, dump: true, sequence: sequence, header: linkHeader(index: 0))
    }

    /// `RTM_GETADDR` dump: one `RTM_NEWADDR` per address of `family`.
    public static func dumpAddresses(family: UInt8 = Netlink.familyIPv4, sequence: UInt32) -> [UInt8] {
        // struct ifaddrmsg: family, prefix length, flags, scope, index — all 0 but the family.
        var header = [UInt8](repeating: 0, count: AddressInfo.headerSize)
        header[0] = family
        return message(Netlink.MessageType.getAddress, dump: true, sequence: sequence, header: header)
    }

    /// `RTM_GETROUTE` dump: one `RTM_NEWROUTE` per route of `family`, every table.
    public static func dumpRoutes(family: UInt8 = Netlink.familyIPv4, sequence: UInt32) -> [UInt8] {
        // struct rtmsg: all 0 but the family (table 0 = every table).
        var header = [UInt8](repeating: 0, count: RouteInfo.headerSize)
        header[0] = family
        return message(Netlink.MessageType.getRoute, dump: true, sequence: sequence, header: header)
    }

    /// `CTRL_CMD_GETFAMILY` for the family `name` ("nl80211"): read the reply with
    /// `GenericNetlink.familyID(fromReply:)`. The kernel refuses unknown names with `ENOENT`
    /// and names longer than 15 bytes with `EINVAL`, so the name is sent as given.
    public static func getFamily(name: String, sequence: UInt32) -> [UInt8] {
        generic(type: Netlink.MessageType.genericControl, command: GenericNetlink.commandGetFamily, version: 1,
                dump: false, sequence: sequence,
                attributes: [NetlinkAttribute(type: GenericNetlink.attributeFamilyName, value: Array(name.utf8) + [0])])
    }

    /// `NL80211_CMD_GET_INTERFACE` for interface `index`, to the nl80211 family id `family`: a
    /// single `NL80211_CMD_NEW_INTERFACE` reply (`Nl80211Interface`), or `ENODEV` when the
    /// interface is not wireless.
    public static func nl80211GetInterface(family: UInt16, index: Int32, sequence: UInt32) -> [UInt8] {
        generic(type: family, command: Nl80211.commandGetInterface, version: 0, dump: false, sequence: sequence,
                attributes: [ifindex(index)])
    }

    /// `NL80211_CMD_GET_STATION` dump for interface `index`: one `NL80211_CMD_NEW_STATION`
    /// (`Nl80211Station`) per station; on a connected client, just the access point.
    public static func nl80211DumpStations(family: UInt16, index: Int32, sequence: UInt32) -> [UInt8] {
        generic(type: family, command: Nl80211.commandGetStation, version: 0, dump: true, sequence: sequence,
                attributes: [ifindex(index)])
    }

    /// `struct ifinfomsg` naming interface `index` (0: any), every other field 0.
    private static func linkHeader(index: Int32) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 4)
        header.appendHost(index)
        header += [UInt8](repeating: 0, count: LinkInfo.headerSize - header.count)
        return header
    }

    /// `NL80211_ATTR_IFINDEX` (u32).
    private static func ifindex(_ index: Int32) -> NetlinkAttribute {
        var value: [UInt8] = []
        value.appendHost(UInt32(bitPattern: index))
        return NetlinkAttribute(type: Nl80211.attributeIndex, value: value)
    }

    /// A generic netlink request: `struct genlmsghdr` then `attributes`.
    private static func generic(type: UInt16, command: UInt8, version: UInt8, dump: Bool, sequence: UInt32,
                                attributes: [NetlinkAttribute]) -> [UInt8] {
        message(type, dump: dump, sequence: sequence,
                header: [command, version, 0, 0] + attributes.flatMap(\.bytes))
    }

    /// A request message; port 0 lets the kernel fill in the sender's.
    private static func message(_ type: UInt16, dump: Bool, sequence: UInt32, header: [UInt8]) -> [UInt8] {
        NetlinkMessage(type: type, flags: Netlink.Flag.request | (dump ? Netlink.Flag.dump : 0),
                       sequence: sequence, payload: header).bytes
    }
}
