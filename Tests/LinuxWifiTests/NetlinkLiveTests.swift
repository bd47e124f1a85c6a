#if canImport(Glibc)
import Glibc
#endif
import LinuxWifi
import Testing

/// `NetlinkSocket` against this machine's kernel.
@Suite("Netlink against the running kernel")
struct NetlinkLiveTests {
    func routeSocket() throws -> NetlinkSocket { try NetlinkSocket(protocol: Netlink.routeProtocol) }

    func links(_ socket: NetlinkSocket) throws -> [LinkInfo] {
        try socket.request(NetlinkRequest.dumpLinks(sequence: socket.nextSequence())).compactMap { message throws in
            guard case .link(let link) = try RouteMessage.decode(message) else { return nil }
            return link
        }
    }

    @Test("the link dump holds lo (index 1, loopback, up), and sysfs agrees on every index")
    func linkDump() throws {
        let socket = try routeSocket()
        let links = try links(socket)
        let loopback = try #require(links.first { $0.name == "lo" })
        #expect(loopback.index == 1)
        #expect(loopback.flags & LinkInfo.flagLoopback != 0)
        #expect(loopback.isUp)
        #expect(Set(links.map(\.index)).count == links.count)
        // Interfaces other tests create come and go; the rest must match sysfs.
        for link in links {
            guard let name = link.name, !name.hasPrefix("gw") else { continue }
            #expect(firstLine(of: "/sys/class/net/\(name)/ifindex").flatMap { Int32($0) } == link.index, "\(name)")
        }
    }

    @Test("RTM_GETLINK for index 1 is lo; for a missing index, ENODEV")
    func singleLink() throws {
        let socket = try routeSocket()
        let replies = try socket.request(NetlinkRequest.getLink(index: 1, sequence: socket.nextSequence()))
        #expect(replies.count == 1)
        guard case .link(let link) = try RouteMessage.decode(try #require(replies.first)) else {
            Issue.record("not a link")
            return
        }
        #expect(link.name == "lo")
        let missing = #expect(throws: NetlinkError.self) {
            try socket.request(NetlinkRequest.getLink(index: 0x7fff_fff0, sequence: socket.nextSequence()))
        }
        #expect(missing?.errno == ENODEV)
        // The socket still works after a refusal.
        #expect(try socket.request(NetlinkRequest.getLink(index: 1, sequence: socket.nextSequence())).count == 1)
    }

    @Test("replies to an abandoned request are skipped by the next request")
    func staleReplies() throws {
        let socket = try routeSocket()
        // A timeout of 0 gives up right after sending: the whole dump stays queued.
        let abandoned = #expect(throws: NetlinkError.self) {
            try socket.request(NetlinkRequest.dumpLinks(sequence: socket.nextSequence()), timeoutMs: 0)
        }
        #expect(abandoned?.isTimeout == true)
        let replies = try socket.request(NetlinkRequest.getLink(index: 1, sequence: socket.nextSequence()))
        #expect(replies.count == 1)
        #expect(replies.allSatisfy { !$0.isMultipart })
    }

    @Test("the address dump holds 127.0.0.1/8 on lo's index")
    func addressDump() throws {
        let socket = try routeSocket()
        let loopback = try #require(try links(socket).first { $0.name == "lo" })
        let addresses = try socket.request(NetlinkRequest.dumpAddresses(sequence: socket.nextSequence()))
            .compactMap { message throws -> AddressInfo? in
                guard case .address(let address) = try RouteMessage.decode(message) else { return nil }
                return address
            }
        #expect(addresses.allSatisfy { $0.family == Netlink.familyIPv4 && $0.address.count == 4 })
        #expect(addresses.contains { $0.index == loopback.index && $0.address == [127, 0, 0, 1] && $0.prefixLength == 8 })
    }

    @Test("the default route from the route dump is the one /proc/net/route shows")
    func defaultRoute() throws {
        let socket = try routeSocket()
        let routes = try socket.request(NetlinkRequest.dumpRoutes(sequence: socket.nextSequence()))
            .compactMap { message throws -> RouteInfo? in
                guard case .route(let route) = try RouteMessage.decode(message) else { return nil }
                return route
            }
        #expect(!routes.isEmpty)  // at least lo's local routes
        let fromNetlink = Set(routes.filter(\.isDefault).compactMap(\.gateway))
        #expect(fromNetlink == procDefaultGateways(), "netlink: \(fromNetlink)")
        if let route = routes.first(where: \.isDefault) { #expect(route.outputIndex != nil) }
    }

    /// Gateways of the default routes in `/proc/net/route` (destination and mask 0, flags
    /// RTF_UP | RTF_GATEWAY), which the kernel prints as native-endian hex.
    func procDefaultGateways() -> Set<[UInt8]> {
        var gateways: Set<[UInt8]> = []
        for line in lines(of: "/proc/net/route") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 8, fields[1] == "00000000", fields[7] == "00000000",
                  let flags = UInt32(fields[3], radix: 16), flags & 0x3 == 0x3,
                  let gateway = UInt32(fields[2], radix: 16) else { continue }
            gateways.insert(withUnsafeBytes(of: gateway) { Array($0) })
        }
        return gateways
    }

    @Test("the controller names nlctrl 0x10; nl80211 is an id or ENOENT, promptly")
    func genericFamilies() throws {
        let socket = try NetlinkSocket(protocol: Netlink.genericProtocol)
        let controller = try socket.request(NetlinkRequest.getFamily(name: "nlctrl", sequence: socket.nextSequence()))
        #expect(controller.count == 1)
        #expect(try GenericNetlink.familyID(fromReply: try #require(controller.first)) == 0x10)

        let clock = ContinuousClock()
        let start = clock.now
        let sequence = socket.nextSequence()
        switch Result(catching: { () throws(NetlinkError) in
            try socket.request(NetlinkRequest.getFamily(name: "nl80211", sequence: sequence))
        }) {
        case .success(let replies):
            let family = try GenericNetlink.familyID(fromReply: try #require(replies.first))
            #expect(family != nil && family != 0x10)
        case .failure(let error):
            // No Wi-Fi driver: the controller does not know the name.
            #expect(error.errno == ENOENT, "\(error)")
        }
        #expect(clock.now - start < .milliseconds(900))
    }

    @Test("closed sockets, malformed requests and an idle receive fail or return at once")
    func socketEdges() throws {
        let socket = try routeSocket()
        #expect(socket.fileDescriptor >= 0)
        #expect(socket.portID != 0)
        #expect(socket.nextSequence() != socket.nextSequence())
        // Not one message: refused before anything is sent.
        #expect(throws: NetlinkError.self) { try socket.request([1, 2, 3]) }
        #expect(throws: NetlinkError.self) {
            try socket.request(NetlinkRequest.dumpLinks(sequence: 1) + NetlinkRequest.dumpLinks(sequence: 2))
        }
        // No groups, nothing asked: nothing to receive, and no waiting for it.
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try socket.receive(timeoutMs: 0).isEmpty)
        #expect(try socket.receive(timeoutMs: 50).isEmpty)
        #expect(clock.now - start < .milliseconds(500))
        socket.close()
        socket.close()
        #expect(socket.fileDescriptor == -1)
        let closed = #expect(throws: NetlinkError.self) { try socket.request(NetlinkRequest.dumpLinks(sequence: 3)) }
        #expect(closed?.errno == EBADF)
        #expect(throws: NetlinkError.self) { try socket.receive(timeoutMs: 0) }
    }

    @Test("a request that the kernel never answers times out", .timeLimit(.minutes(1)))
    func timeout() throws {
        let socket = try routeSocket()
        // A reply-less request: NLMSG_NOOP is consumed by the kernel without an answer.
        let silent = NetlinkMessage(type: Netlink.MessageType.noop, flags: Netlink.Flag.request, sequence: 77).bytes
        let error = #expect(throws: NetlinkError.self) { try socket.request(silent, timeoutMs: 100) }
        #expect(error?.isTimeout == true, "\(String(describing: error))")
    }

    @Test("a socket bound to RTMGRP_LINK | RTMGRP_IPV4_IFADDR is pushed a new interface's link and address",
          .needsInterfaceLab("notifications"), .timeLimit(.minutes(1)))
    func notifications() throws {
        let name = "gwtest0"
        let notifications = try NetlinkSocket(protocol: Netlink.routeProtocol,
                                              groups: Netlink.groupLink | Netlink.groupIPv4Address)
        try InterfaceLab.create(name)
        defer { deleteInterface(name) }
        try #require(shell("ip addr add 10.123.0.1/24 dev \(name)").status == 0)
        try #require(shell("ip link set \(name) up").status == 0)

        var index: Int32?
        var address: AddressInfo?
        try receive(from: notifications) { message in
            switch message {
            case .link(let link) where link.name == name && !link.removed:
                index = link.index
            case .address(let info) where info.address == [10, 123, 0, 1] && !info.removed:
                address = info
            default:
                break
            }
            return index != nil && address != nil
        }
        #expect(address?.index == index)
        #expect(address?.prefixLength == 24)
        #expect(address?.label == name)

        // Deleting the interface is pushed too: its address goes, then the link.
        try #require(shell("ip link del \(name)").status == 0)
        var addressRemoved = false
        var linkRemoved = false
        try receive(from: notifications) { message in
            switch message {
            case .address(let info) where info.index == index && info.removed: addressRemoved = true
            case .link(let link) where link.index == index && link.removed: linkRemoved = true
            default: break
            }
            return linkRemoved
        }
        #expect(addressRemoved)
    }

    @Test("a notification socket that overflows reports ENOBUFS, then carries on",
          .needsInterfaceLab("overrun"), .timeLimit(.minutes(1)))
    func overrun() throws {
        let name = "gwtest1"
        // The smallest buffer the kernel allows (it raises 1 to its minimum, a few KiB).
        let notifications = try NetlinkSocket(protocol: Netlink.routeProtocol, groups: Netlink.groupIPv4Address,
                                              receiveBufferBytes: 1)
        try InterfaceLab.create(name)
        defer { deleteInterface(name) }
        let batch = (1...200).map { "addr add 10.124.\($0 / 250).\($0 % 250 + 1)/32 dev \(name)" }.joined(separator: "\n")
        try #require(shell("printf '\(batch)\\n' | ip -batch -").status == 0)

        var overruns = 0
        var received = 0
        for _ in 0..<1000 {
            do throws(NetlinkError) {
                let messages = try notifications.receive(timeoutMs: 100)
                if messages.isEmpty { break }
                received += messages.count
            } catch {
                // (A `catch where` on a typed error crashes the Swift 6.3.1 compiler.)
                guard error.isOverrun else { throw error }
                overruns += 1
            }
        }
        #expect(overruns >= 1)
        #expect(received < 200)
        // After the overrun the socket still delivers: one more address arrives.
        try #require(shell("ip addr add 10.124.9.9/32 dev \(name)").status == 0)
        var seen = false
        try receive(from: notifications) { message in
            if case .address(let info) = message, info.address == [10, 124, 9, 9] { seen = true }
            return seen
        }
    }

    /// Reads `socket` until `done` returns true for a decoded message, recording an issue when
    /// 5 seconds pass first.
    func receive(from socket: NetlinkSocket, until done: (RouteMessage) throws -> Bool,
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while clock.now < deadline {
            for message in try socket.receive(timeoutMs: 200) where try done(try RouteMessage.decode(message)) {
                return
            }
        }
        Issue.record("the expected notification did not arrive within 5 s", sourceLocation: sourceLocation)
    }
}
