@testable import NetServer
import PropertyBased
import TestHarness
import Testing
import XousIPC

@Suite struct Ipv4ConfTests {
    @Test func wordsFollowXousLayout() throws {
        let conf = Ipv4Conf(
            dhcp: .bound, mac: MACAddress(0x02, 0x00, 0x5e, 0x10, 0x00, 0x01),
            addr: IPv4Address(192, 168, 1, 23), gateway: IPv4Address(192, 168, 1, 1),
            mask: IPv4Address(255, 255, 255, 0), dns1: IPv4Address(8, 8, 4, 4), dns2: IPv4Address(1, 2, 3, 4)
        )
        let expected: [UInt16] = [
            0x0004,
            0x0002, 0x105E, 0x0100,  // 02:00 5e:10 00:01
            0xA8C0, 0x1701,  // 192.168 1.23
            0xA8C0, 0x0101,  // 192.168 1.1
            0xFFFF, 0x00FF,  // 255.255 255.0
            0x0808, 0x0404,  // 8.8 4.4
            0x0201, 0x0403,  // 1.2 3.4
        ]
        #expect(conf.encodeWords() == expected)
        #expect(try Ipv4Conf(words: expected) == conf)
    }

    @Test func defaultIsFourteenZeros() {
        #expect(Ipv4Conf.default.encodeWords() == Array(repeating: 0, count: 14))
        #expect(Ipv4Conf.default.dhcp == .halted)
    }

    @Test func refusesWrongWordCounts() {
        for count in [0, 1, 13, 15, 28] {
            #expect(throws: WireError.self) { try Ipv4Conf(words: Array(repeating: 0, count: count)) }
        }
    }

    @Test func unknownDhcpNumbersDecodeAsInvalid() throws {
        var words = [UInt16](repeating: 0, count: 14)
        words[0] = 0xBEEF
        #expect(try Ipv4Conf(words: words).dhcp == .invalid)
    }

    @Test func configurationsRoundTripThroughWords() async {
        await checkProperty(count: 3000, input: WifiGen.ipv4Conf) { conf in
            let words = conf.encodeWords()
            #expect(words.count == 14)
            let decoded = try Ipv4Conf(words: words)
            #expect(decoded == conf)
        }
    }

    @Test func wordsWithKnownDhcpRoundTripExactly() async {
        await checkProperty(count: 3000, input: Gen<UInt16>.value(in: 0...7), Gen<UInt16>.value().array(of: 13)) { dhcp, rest in
            let words = [dhcp] + rest
            let decoded = try Ipv4Conf(words: words)
            #expect(decoded.encodeWords() == words)
        }
    }
}
