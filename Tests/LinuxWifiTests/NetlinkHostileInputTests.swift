import LinuxWifi
import Testing
import XousIPC
import SystemSupport

/// Bytes from the kernel are untrusted: whatever arrives must decode or throw, never trap. A trap
/// fails these tests by crashing the run; the expectations pin down which inputs must throw.
@Suite("Netlink codecs on hostile input")
struct NetlinkHostileInputTests {
    /// A 16-byte header declaring `length`, then `body`.
    func message(length: UInt32, body: [UInt8] = []) -> [UInt8] {
        withUnsafeBytes(of: length.littleEndian) { Array($0) } + [16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0] + body
    }

    @Test("a header cut short throws")
    func truncatedHeader() throws {
        let header = message(length: 16)
        for count in 1..<16 {
            #expect(throws: NetlinkError.self, "\(count) bytes") { try Netlink.messages(in: header.prefix(count)) }
        }
        #expect(try Netlink.messages(in: header).count == 1)
        #expect(try Netlink.messages(in: [UInt8]()).isEmpty)
        // Whole messages followed by a scrap too short for a header.
        #expect(throws: NetlinkError.self) { try Netlink.messages(in: header + [0, 0, 0]) }
    }

    @Test("a length past the end, or shorter than the header, throws", arguments: [0, 1, 4, 15, 21, 24, 1000, 0xffff_ffff])
    func badMessageLength(length: UInt32) {
        #expect(throws: NetlinkError.self) { try Netlink.messages(in: message(length: length, body: [1, 2, 3, 4])) }
    }

    @Test("a length of 17 to 20 in 20 bytes is one message; the padding may be absent only at the end")
    func messageLengths() throws {
        for length in UInt32(17)...20 {
            let decoded = try Netlink.messages(in: message(length: length, body: [1, 2, 3, 4]))
            #expect(decoded.map(\.payload) == [Array([1, 2, 3, 4].prefix(Int(length) - 16))])
        }
        // Two messages, the first 17 bytes long: the second starts at 20, after the padding.
        let two = try Netlink.messages(in: message(length: 17, body: [9, 0, 0, 0]) + message(length: 16))
        #expect(two.map(\.payload) == [[9], []])
    }

    @Test("attribute lengths past the end, below the header, or zero throw", arguments: [0, 1, 3, 9, 100, 0xffff])
    func badAttributeLength(length: UInt16) {
        let attribute = withUnsafeBytes(of: length.littleEndian) { Array($0) } + [1, 0, 7, 7, 7, 7]
        #expect(throws: NetlinkError.self) { try Netlink.attributes(in: attribute) }
        // The same inside a message's payload: the decoder throws rather than reads past it.
        let link = NetlinkMessage(type: Netlink.MessageType.newLink, payload: [UInt8](repeating: 0, count: 16) + attribute)
        #expect(throws: NetlinkError.self) { try RouteMessage.decode(link) }
        #expect(throws: NetlinkError.self) { try Netlink.attributes(in: attribute.prefix(3)) }
    }

    @Test("zero-length attribute values decode as empty, and wrongly sized integers throw")
    func emptyValues() throws {
        let empty = try Netlink.attributes(in: [4, 0, 3, 0, 4, 0, 16, 0])
        #expect(empty == [NetlinkAttribute(type: 3, value: []), NetlinkAttribute(type: 16, value: [])])
        // IFLA_IFNAME empty is "", IFLA_OPERSTATE empty is malformed.
        let link = NetlinkMessage(type: Netlink.MessageType.newLink,
                                  payload: [UInt8](repeating: 0, count: 16) + [4, 0, 3, 0, 4, 0, 16, 0])
        #expect(throws: NetlinkError.self) { try RouteMessage.decode(link) }
    }

    @Test("payloads shorter than their fixed header throw")
    func shortPayloads() {
        let types = [Netlink.MessageType.newLink, Netlink.MessageType.newAddress, Netlink.MessageType.newRoute]
        for (type, size) in zip(types, [16, 8, 12]) {
            for count in 0..<size {
                let short = NetlinkMessage(type: type, payload: [UInt8](repeating: 0, count: count))
                #expect(throws: NetlinkError.self, "type \(type), \(count) bytes") { try RouteMessage.decode(short) }
            }
        }
        for count in 0..<4 {
            let short = NetlinkMessage(type: 0x1c, payload: [UInt8](repeating: 0, count: count))
            #expect(throws: NetlinkError.self) { try GenericNetlink.decode(short) }
        }
    }

    @Test("addresses of the wrong size for their family throw")
    func addressSizes() {
        // ifaddrmsg AF_INET /24, then IFA_LOCAL of 3 bytes.
        let address = NetlinkMessage(type: Netlink.MessageType.newAddress,
                                     payload: [2, 24, 0, 0, 1, 0, 0, 0, 7, 0, 2, 0, 10, 0, 0, 0])
        #expect(throws: NetlinkError.self) { try RouteMessage.decode(address) }
        // AF_INET with a prefix longer than 32 bits.
        let prefix = NetlinkMessage(type: Netlink.MessageType.newAddress,
                                    payload: [2, 33, 0, 0, 1, 0, 0, 0, 8, 0, 2, 0, 10, 0, 0, 1])
        #expect(throws: NetlinkError.self) { try RouteMessage.decode(prefix) }
        // rtmsg AF_INET, then RTA_GATEWAY of 16 bytes.
        let route = NetlinkMessage(type: Netlink.MessageType.newRoute,
                                   payload: [2, 0, 0, 0, 254, 0, 0, 1, 0, 0, 0, 0, 20, 0, 5, 0]
                                       + [UInt8](repeating: 1, count: 16))
        #expect(throws: NetlinkError.self) { try RouteMessage.decode(route) }
        // An address message with neither IFA_LOCAL nor IFA_ADDRESS.
        let bare = NetlinkMessage(type: Netlink.MessageType.newAddress, payload: [2, 24, 0, 0, 1, 0, 0, 0])
        #expect(throws: NetlinkError.self) { try RouteMessage.decode(bare) }
    }

    @Test("an SSID over 32 bytes and a station MAC not of 6 throw")
    func nl80211Sizes() throws {
        var interface = try #require(try Netlink.messages(in: ConstructedReplies.newInterface).first)
        interface.payload = Array(interface.payload.prefix(4))
            + NetlinkAttribute(type: 52, value: [UInt8](repeating: 0x41, count: 33)).bytes
        #expect(throws: NetlinkError.self) { try Nl80211Interface.decode(interface) }
        interface.payload = Array(interface.payload.prefix(4))
            + NetlinkAttribute(type: 52, value: [UInt8](repeating: 0x41, count: 32)).bytes
        #expect(try Nl80211Interface.decode(interface).ssid?.count == 32)
        var station = try #require(try Netlink.messages(in: ConstructedReplies.stationDump).first)
        station.payload = Array(station.payload.prefix(4)) + NetlinkAttribute(type: 6, value: [1, 2, 3]).bytes
        #expect(throws: NetlinkError.self) { try Nl80211Station.decode(station) }
    }

    @Test("10,000 levels of nesting are walked without recursion; a bad innermost length throws")
    func deepNesting() throws {
        let depth = 10_000
        // Innermost first: type 9, u32 42; each level wraps the previous in a nested attribute.
        var bytes = NetlinkAttribute(type: 9, value: [42, 0, 0, 0]).bytes
        for _ in 0..<depth { bytes = NetlinkAttribute(type: 1, value: bytes, isNested: true).bytes }
        var level = try Netlink.attributes(in: bytes)
        var walked = 0
        while let only = level.first, only.type == 1 {
            level = try only.nested()
            walked += 1
        }
        #expect(walked == depth)
        #expect(try level.first?.u32() == 42)

        // Now the innermost attribute claims 200 bytes: every level above it is intact, so the
        // walk must get all the way down and throw there.
        var broken: [UInt8] = [200, 0, 9, 0, 42, 0, 0, 0]
        for _ in 0..<depth { broken = NetlinkAttribute(type: 1, value: broken, isNested: true).bytes }
        var current = try Netlink.attributes(in: broken)
        var reached = 0
        do {
            while let only = current.first {
                current = try only.nested()
                reached += 1
            }
            Issue.record("the broken innermost attribute decoded")
        } catch {
            #expect(reached == depth - 1)
        }
    }

    @Test("every truncation of every fixture decodes exactly when it ends on a message boundary")
    func fixtureTruncations() throws {
        for (name, datagram) in allFixtureDatagrams {
            var boundaries: Set<Int> = [0]
            var offset = 0
            for message in try Netlink.messages(in: datagram) {
                // A message ends at its declared length; the padding after it may be cut off.
                let end = offset + 16 + message.payload.count
                offset += message.bytes.count
                boundaries.formUnion(end...min(offset, datagram.count))
                decodeEverything(message)
                // Every truncation of the payload too: decode or throw.
                for count in 0..<message.payload.count {
                    var cut = message
                    cut.payload = Array(message.payload.prefix(count))
                    decodeEverything(cut)
                }
            }
            for count in 0..<datagram.count {
                let decoded = try? Netlink.messages(in: datagram.prefix(count))
                #expect((decoded != nil) == boundaries.contains(count), "\(name) cut to \(count) bytes")
            }
        }
    }

    @Test("10,000 seeded random buffers decode or throw, and what decodes is consistent")
    func randomBuffers() {
        var random = SplitMix64(seed: 0x6e6c_3830_3231_31)
        var datagrams = 0
        for _ in 0..<10_000 {
            let buffer = (0..<random.next(in: 0...300)).map { _ in random.nextByte() }
            _ = try? Netlink.attributes(in: buffer).map(decodeAttribute)
            guard let messages = try? Netlink.messages(in: buffer) else { continue }
            datagrams += 1
            // What decoded covers the buffer: the framing was honoured, not guessed.
            let covered = messages.reduce(0) { $0 + $1.bytes.count }
            #expect(covered >= buffer.count && covered - buffer.count < 4)
            for message in messages { decodeEverything(message) }
        }
        #expect(datagrams > 0)  // the empty buffers at least
    }

    @Test("10,000 random messages with well-framed random attributes decode or throw")
    func randomAttributes() {
        var random = SplitMix64(seed: 52)
        let types: [UInt16] = [Netlink.MessageType.newLink, Netlink.MessageType.deleteAddress,
                               Netlink.MessageType.newRoute, Netlink.MessageType.genericControl,
                               Netlink.MessageType.error, ConstructedReplies.nl80211Family]
        var outcomes: [String: (decoded: Int, refused: Int)] = [:]
        for _ in 0..<10_000 {
            // A plausible fixed header, then attributes of types the decoders know, with sizes
            // that are sometimes right and sometimes not.
            var payload = (0..<[4, 8, 12, 16][random.next(in: 0...3)]).map { _ in random.nextByte() }
            if random.next(in: 0...1) == 0 { payload[0] = [2, 10, 1, 7, 19][random.next(in: 0...4)] }
            for _ in 0..<random.next(in: 0...5) {
                var value = (0..<[0, 1, 2, 4, 6, 8][random.next(in: 0...5)]).map { _ in random.nextByte() }
                if random.next(in: 0...3) == 0 {
                    value = NetlinkAttribute(type: UInt16(random.next(in: 0...16)), value: [random.nextByte()]).bytes
                }
                payload += NetlinkAttribute(type: UInt16(random.next(in: 0...60)), value: value,
                                            isNested: random.next(in: 0...1) == 0).bytes
            }
            let message = NetlinkMessage(type: types[random.next(in: 0...(types.count - 1))], payload: payload)
            #expect((try? Netlink.messages(in: message.bytes)) == [message])
            decodeEverything(message)
            // The decoder that owns the message: count how often it accepts and refuses.
            let decoder: String
            let accepted: Bool
            switch message.type {
            case ConstructedReplies.nl80211Family:
                decoder = "nl80211"
                accepted = (try? Nl80211Interface.decode(message)) != nil || (try? Nl80211Station.decode(message)) != nil
            case Netlink.MessageType.genericControl where payload[0] == 1:
                decoder = "controller"
                // Decoding without a CTRL_ATTR_FAMILY_ID is still accepting: nil, not a throw.
                accepted = (try? { () throws(NetlinkError) in _ = try GenericNetlink.familyID(fromReply: message) }()) != nil
            case Netlink.MessageType.error:
                continue  // any four bytes are an errno: it never refuses a payload this long
            default:
                decoder = "route"
                accepted = (try? RouteMessage.decode(message)) != nil
            }
            outcomes[decoder, default: (0, 0)].decoded += accepted ? 1 : 0
            outcomes[decoder, default: (0, 0)].refused += accepted ? 0 : 1
        }
        // Every decoder both accepts and refuses some: the generator reaches both paths of each.
        for decoder in ["nl80211", "controller", "route"] {
            let outcome = outcomes[decoder, default: (0, 0)]
            #expect(outcome.decoded > 20 && outcome.refused > 20, "\(decoder): \(outcome)")
        }
    }

    @Test("2,000 random byte flips of each fixture decode or throw")
    func fixtureMutations() {
        var random = SplitMix64(seed: 7)
        for (_, datagram) in allFixtureDatagrams {
            for _ in 0..<2_000 {
                var mutated = datagram
                for _ in 0...random.next(in: 0...3) {
                    mutated[random.next(in: 0...(mutated.count - 1))] = random.nextByte()
                }
                guard let messages = try? Netlink.messages(in: mutated) else { continue }
                for message in messages { decodeEverything(message) }
            }
        }
    }
}
