import LinuxWifi
import Testing

@Suite("Netlink codecs on recorded and constructed replies")
struct NetlinkFixtureTests {
    /// The messages of a recorded reply, all datagrams in order.
    func messages(_ hex: [String]) throws -> [NetlinkMessage] {
        try fixtureDatagrams(hex).flatMap { datagram throws in try Netlink.messages(in: datagram) }
    }

    @Test("lo's recorded RTM_NEWLINK: index, flags, name, operstate, carrier, MAC")
    func loopbackLink() throws {
        let replies = try messages(RecordedReplies.getLinkLo)
        #expect(replies.count == 1)
        let reply = try #require(replies.first)
        #expect(reply.type == Netlink.MessageType.newLink)
        #expect(reply.sequence == 1)
        #expect(!reply.isMultipart)
        guard case .link(let link) = try RouteMessage.decode(reply) else {
            Issue.record("not a link: \(reply)")
            return
        }
        #expect(link.index == 1)
        #expect(link.name == "lo")
        // IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP, as `ip link` shows lo.
        #expect(link.flags == LinkInfo.flagUp | LinkInfo.flagLoopback | LinkInfo.flagRunning | LinkInfo.flagLowerUp)
        #expect(link.isUp)
        #expect(link.operState == 0)  // IF_OPER_UNKNOWN: lo has no carrier detection
        #expect(link.operStateName == "unknown")
        #expect(link.carrier == 1)
        #expect(link.mac == [0, 0, 0, 0, 0, 0])
        #expect(link.kind == nil)
        #expect(!link.isWireless)
        #expect(!link.removed)
    }

    @Test("the recorded address dump: 127.0.0.1/8 on lo and 192.0.2.2/24 on eth0, then NLMSG_DONE")
    func addressDump() throws {
        let replies = try messages(RecordedReplies.dumpAddresses)
        #expect(replies.map(\.type) == [Netlink.MessageType.newAddress, Netlink.MessageType.newAddress,
                                        Netlink.MessageType.done])
        #expect(replies.allSatisfy { $0.sequence == 2 && $0.isMultipart })
        let addresses = try replies.dropLast().map { message throws -> AddressInfo? in
            guard case .address(let address) = try RouteMessage.decode(message) else { return nil }
            return address
        }
        #expect(addresses == [
            AddressInfo(index: 1, family: 2, prefixLength: 8, address: [127, 0, 0, 1], label: "lo"),
            AddressInfo(index: 4, family: 2, prefixLength: 24, address: [192, 0, 2, 2], label: "eth0"),
        ])
        #expect(try RouteMessage.decode(replies[2]) == .other(type: Netlink.MessageType.done))
    }

    @Test("the recorded route dump: one default route, via 192.0.2.1 on eth0 (index 4)")
    func routeDump() throws {
        let replies = try messages(RecordedReplies.dumpRoutes)
        #expect(replies.count == 8)
        #expect(replies.last?.type == Netlink.MessageType.done)
        let routes = try replies.dropLast().map { message throws -> RouteInfo? in
            guard case .route(let route) = try RouteMessage.decode(message) else { return nil }
            return route
        }.compactMap { $0 }
        #expect(routes.count == 7)
        #expect(routes.filter { $0.table == RouteInfo.mainTable }.count == 2)
        #expect(routes.filter { $0.table == 255 }.count == 5)  // RT_TABLE_LOCAL
        let defaults = routes.filter(\.isDefault)
        #expect(defaults == [RouteInfo(family: 2, table: 254, destinationLength: 0, gateway: [192, 0, 2, 1],
                                       outputIndex: 4)])
        let subnet = routes.first { $0.destinationLength == 24 }
        #expect(subnet?.destination == [192, 0, 2, 0])
        #expect(subnet?.gateway == nil)
        #expect(subnet?.outputIndex == 4)
        #expect(subnet?.isDefault == false)
    }

    @Test("the recorded controller reply for nlctrl names family 0x10")
    func controllerFamily() throws {
        let replies = try messages(RecordedReplies.getFamilyNlctrl)
        #expect(replies.count == 1)
        #expect(try GenericNetlink.familyID(fromReply: try #require(replies.first)) == 0x10)
    }

    @Test("the recorded ENOENT for nl80211: the errno, and the request the kernel echoed")
    func missingFamily() throws {
        let reply = try #require(try messages(RecordedReplies.getFamilyNl80211).first)
        let refusal = try #require(try reply.kernelError())
        #expect(refusal.errno == 2)  // ENOENT
        #expect(throws: refusal) { try GenericNetlink.familyID(fromReply: reply) }
        // The echo is the recorder's request, which NetlinkRequest must reproduce byte for byte.
        #expect(Array(reply.payload.dropFirst(4)) == NetlinkRequest.getFamily(name: "nl80211", sequence: 5))
    }

    @Test("the constructed nl80211 controller reply, interface and station")
    func nl80211() throws {
        #expect(try GenericNetlink.familyID(fromReply: try #require(
            try Netlink.messages(in: ConstructedReplies.controllerNl80211).first)) == ConstructedReplies.nl80211Family)

        let interfaceReply = try #require(try Netlink.messages(in: ConstructedReplies.newInterface).first)
        #expect(interfaceReply.type == ConstructedReplies.nl80211Family)
        #expect(try Nl80211Interface.decode(interfaceReply)
            == Nl80211Interface(index: 3, name: "wlan0", ssid: Array("XousNet".utf8), interfaceType: Nl80211Interface.typeStation))

        let dump = try Netlink.messages(in: ConstructedReplies.stationDump)
        #expect(dump.map(\.type) == [ConstructedReplies.nl80211Family, Netlink.MessageType.done])
        #expect(try Nl80211Station.decode(dump[0])
            == Nl80211Station(index: 3, mac: [0x02, 0x11, 0x22, 0x33, 0x44, 0x55], signalDBm: -52, signalAverageDBm: -50))
        let info = try #require(try GenericNetlink.decode(dump[0]).attributes.first { $0.type == 21 })
        #expect(info.isNested)  // NLA_F_NESTED kept, and masked off the type
        // A station is not an interface, nor the other way round.
        #expect(throws: NetlinkError.self) { try Nl80211Interface.decode(dump[0]) }
        #expect(throws: NetlinkError.self) { try Nl80211Station.decode(interfaceReply) }
        #expect(throws: NetlinkError.self) { try GenericNetlink.familyID(fromReply: interfaceReply) }
    }

    @Test("an RTM_NEWLINK carrying IFLA_WIRELESS is wireless")
    func wirelessEvent() throws {
        let message = try #require(try Netlink.messages(in: ConstructedReplies.wirelessEventLink).first)
        #expect(try RouteMessage.decode(message) == .link(LinkInfo(
            index: 3, flags: 0x1_1043, name: "wlan0", isWireless: true)))
    }

    @Test("IFA_LOCAL wins over IFA_ADDRESS, RTA_TABLE over rtm_table, and the last duplicate wins")
    func precedence() throws {
        // A point-to-point address: IFA_ADDRESS is the peer (10.0.0.2), IFA_LOCAL ours (10.0.0.1).
        let address = NetlinkMessage(type: Netlink.MessageType.newAddress, payload: [2, 32, 0, 0, 5, 0, 0, 0]
            + NetlinkAttribute(type: 2, value: [10, 0, 0, 1]).bytes + NetlinkAttribute(type: 1, value: [10, 0, 0, 2]).bytes)
        #expect(try RouteMessage.decode(address)
            == .address(AddressInfo(index: 5, family: 2, prefixLength: 32, address: [10, 0, 0, 1])))
        // rtm_table RT_TABLE_COMPAT (252) with RTA_TABLE 1000, as the kernel sends tables over 255;
        // RTA_OIF twice, RTA_PRIORITY once.
        let route = NetlinkMessage(type: Netlink.MessageType.newRoute, payload: [2, 0, 0, 0, 252, 4, 0, 1, 0, 0, 0, 0]
            + NetlinkAttribute(type: 15, value: [0xe8, 0x03, 0, 0]).bytes
            + NetlinkAttribute(type: 4, value: [2, 0, 0, 0]).bytes + NetlinkAttribute(type: 4, value: [3, 0, 0, 0]).bytes
            + NetlinkAttribute(type: 6, value: [100, 0, 0, 0]).bytes)
        #expect(try RouteMessage.decode(route)
            == .route(RouteInfo(family: 2, table: 1000, destinationLength: 0, outputIndex: 3, priority: 100)))
    }

    @Test("RTM_DEL* decode as removed")
    func removals() throws {
        var link = try #require(try Netlink.messages(in: ConstructedReplies.wirelessEventLink).first)
        link.type = Netlink.MessageType.deleteLink
        guard case .link(let info) = try RouteMessage.decode(link) else { throw NetlinkError("not a link") }
        #expect(info.removed)
        var address = try #require(try messages(RecordedReplies.dumpAddresses).first)
        address.type = Netlink.MessageType.deleteAddress
        guard case .address(let removedAddress) = try RouteMessage.decode(address) else { throw NetlinkError("not an address") }
        #expect(removedAddress.removed && removedAddress.address == [127, 0, 0, 1])
        var route = try #require(try messages(RecordedReplies.dumpRoutes).first)
        route.type = Netlink.MessageType.deleteRoute
        guard case .route(let removedRoute) = try RouteMessage.decode(route) else { throw NetlinkError("not a route") }
        #expect(removedRoute.removed && removedRoute.isDefault)
    }

    @Test("re-encoding every fixture message gives back its datagram")
    func roundTrip() throws {
        for (name, datagram) in allFixtureDatagrams {
            let decoded = try Netlink.messages(in: datagram)
            #expect(decoded.flatMap(\.bytes) == datagram, "\(name)")
        }
    }

    @Test("requests are the bytes the kernel expects")
    func requests() {
        // nlmsghdr then ifinfomsg / ifaddrmsg / rtmsg, as the recorder packed them by hand.
        let getLink: [UInt8] = [32, 0, 0, 0, 18, 0, 0x01, 0x00, 1, 0, 0, 0, 0, 0, 0, 0,
                                0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(NetlinkRequest.getLink(index: 1, sequence: 1) == getLink)
        #expect(NetlinkRequest.dumpLinks(sequence: 9) == [32, 0, 0, 0, 18, 0, 0x01, 0x03, 9, 0, 0, 0, 0, 0, 0, 0]
            + [UInt8](repeating: 0, count: 16))
        #expect(NetlinkRequest.dumpAddresses(sequence: 2) == [24, 0, 0, 0, 22, 0, 0x01, 0x03, 2, 0, 0, 0, 0, 0, 0, 0,
                                                               2, 0, 0, 0, 0, 0, 0, 0])
        #expect(NetlinkRequest.dumpRoutes(sequence: 3) == [28, 0, 0, 0, 26, 0, 0x01, 0x03, 3, 0, 0, 0, 0, 0, 0, 0,
                                                            2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        // genlmsghdr: NL80211_CMD_GET_INTERFACE / GET_STATION, version 0; NL80211_ATTR_IFINDEX 3.
        #expect(NetlinkRequest.nl80211GetInterface(family: 0x1c, index: 3, sequence: 8)
            == [28, 0, 0, 0, 0x1c, 0, 0x01, 0x00, 8, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 8, 0, 3, 0, 3, 0, 0, 0])
        #expect(NetlinkRequest.nl80211DumpStations(family: 0x1c, index: 3, sequence: 9)
            == [28, 0, 0, 0, 0x1c, 0, 0x01, 0x03, 9, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 8, 0, 3, 0, 3, 0, 0, 0])
    }

    @Test("an acknowledgement is no error; a refusal carries its errno and extended-ACK text")
    func acknowledgements() throws {
        // NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS: code -ENOENT, the request's header, the TLVs.
        let request: [UInt8] = [20, 0, 0, 0, 16, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0]
        let header = Array(request.prefix(16))
        let text = NetlinkAttribute(type: 1, value: Array("Unknown family".utf8) + [0])
        var refusal = NetlinkMessage(type: Netlink.MessageType.error, flags: 0x300, sequence: 5,
                                     payload: [0xfe, 0xff, 0xff, 0xff] + header + text.bytes)
        let error = try #require(try refusal.kernelError())
        #expect(error == NetlinkError("Unknown family", errno: 2))
        #expect(error.description.hasPrefix("netlink: Unknown family (errno 2: "))
        refusal.flags = 0
        #expect(try refusal.kernelError() == NetlinkError("the kernel refused the request", errno: 2))
        // Not capped: the whole request is echoed before the TLVs.
        let uncapped = NetlinkMessage(type: Netlink.MessageType.error, flags: 0x200,
                                      payload: [0xfe, 0xff, 0xff, 0xff] + request + text.bytes)
        #expect(try uncapped.kernelError() == NetlinkError("Unknown family", errno: 2))
        // A TLV area that does not decode loses the text, never the errno.
        let garbled = NetlinkMessage(type: Netlink.MessageType.error, flags: 0x300,
                                     payload: [0xfe, 0xff, 0xff, 0xff] + header + [0xff, 0xff, 1, 0])
        #expect(try garbled.kernelError() == NetlinkError("the kernel refused the request", errno: 2))
        let ack = NetlinkMessage(type: Netlink.MessageType.error, payload: [0, 0, 0, 0] + header)
        #expect(try ack.kernelError() == nil)
        #expect(throws: NetlinkError.self) { try NetlinkMessage(type: Netlink.MessageType.done).kernelError() }
        #expect(throws: NetlinkError.self) {
            try NetlinkMessage(type: Netlink.MessageType.error, payload: [0xfe, 0xff]).kernelError()
        }
    }

    @Test("attribute accessors take exactly their size and keep the flags")
    func attributeAccessors() throws {
        let parsed = try Netlink.attributes(in: [
            5, 0, 1, 0, 0xcc, 0, 0, 0,  // type 1, one byte
            6, 0, 2, 0x40, 0x12, 0x34, 0, 0,  // type 2 | NLA_F_NET_BYTEORDER, u16 0x1234 big-endian
            8, 0, 3, 0, 0xff, 0xff, 0xff, 0xff,  // type 3, four bytes
            12, 0, 4, 0x80, 8, 0, 5, 0, 7, 0, 0, 0,  // type 4 | NLA_F_NESTED: type 5, u32 7
            4, 0, 6, 0,  // type 6, empty
            7, 0, 7, 0, 0x61, 0x62, 0x63,  // type 7, "abc" without NUL and without final padding
        ])
        #expect(parsed.map(\.type) == [1, 2, 3, 4, 6, 7])
        #expect(try parsed[0].u8() == 0xcc)
        #expect(try parsed[0].i8() == -52)
        #expect(throws: NetlinkError.self) { try parsed[0].u16() }
        #expect(parsed[1].isNetworkByteOrder)
        #expect(try parsed[1].u16() == 0x1234)
        #expect(try parsed[2].u32() == 0xffff_ffff)
        #expect(try parsed[2].i32() == -1)
        #expect(throws: NetlinkError.self) { try parsed[2].u64() }
        #expect(parsed[3].isNested && !parsed[2].isNested)
        #expect(try parsed[3].nested() == [NetlinkAttribute(type: 5, value: [7, 0, 0, 0])])
        #expect(parsed[4].value == [])
        #expect(try parsed[4].string() == "")
        #expect(throws: NetlinkError.self) { try parsed[4].u8() }
        #expect(try parsed[5].string() == "abc")
        #expect(try NetlinkAttribute(type: 1, value: Array("wlan0".utf8) + [0, 0x41]).string() == "wlan0")
        #expect(throws: NetlinkError.self) { try NetlinkAttribute(type: 1, value: [0xff, 0xfe]).string() }
        #expect(try NetlinkAttribute(type: 1, value: [1, 0, 0, 0, 0, 0, 0, 0]).u64() == 1)
    }

    @Test("operstate names follow sysfs; only a unicast main-table /0 is a default route")
    func derivedFacts() {
        let names = (0...7).map { LinkInfo(index: 1, flags: 0, operState: UInt8($0)).operStateName }
        #expect(names == ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up", nil])
        #expect(LinkInfo(index: 1, flags: 0).operStateName == nil)
        #expect(RouteInfo(family: 2, table: 254, destinationLength: 0).isDefault)
        #expect(!RouteInfo(family: 2, table: 255, destinationLength: 0).isDefault)
        #expect(!RouteInfo(family: 2, table: 254, destinationLength: 1).isDefault)
        #expect(!RouteInfo(family: 2, table: 254, destinationLength: 0, routeType: 6).isDefault)  // blackhole
    }
}
