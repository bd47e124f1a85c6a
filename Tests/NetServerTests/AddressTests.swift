@testable import NetServer
import PropertyBased
import TestHarness
import Testing

@Suite struct AddressTests {
    @Test func ipv4PrintsAndParsesDottedQuads() {
        #expect(IPv4Address(192, 168, 1, 23).description == "192.168.1.23")
        #expect(IPv4Address("192.168.1.23") == IPv4Address(192, 168, 1, 23))
        #expect(IPv4Address("0.0.0.0") == .zero)
        #expect(IPv4Address(octets: (10, 0, 0, 1)).description == "10.0.0.1")
        #expect(IPv4Address("255.255.255.255")?.octets == [255, 255, 255, 255])
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "01.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.-4", "1234.1.1.1"] {
            #expect(IPv4Address(bad) == nil, "\(bad) should be refused")
        }
    }

    @Test func macPrintsLowerCaseAndParsesEitherCase() {
        let mac = MACAddress(0x02, 0x00, 0x5e, 0x10, 0x00, 0x01)
        #expect(mac.description == "02:00:5e:10:00:01")
        #expect(MACAddress("02:00:5E:10:00:01") == mac)
        #expect(MACAddress(octets: [0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa])?.description == "ff:ee:dd:cc:bb:aa")
        for bad in ["", "02:00:5e:10:00", "02:00:5e:10:00:01:02", "2:00:5e:10:00:01", "02:00:5e:10:00:0g", "02-00-5e-10-00-01", "002:00:5e:10:00:1"] {
            #expect(MACAddress(bad) == nil, "\(bad) should be refused")
        }
        #expect(MACAddress(octets: [1, 2, 3]) == nil)
        #expect(MACAddress(octets: (0xa, 0xb, 0xc, 0xd, 0xe, 0xf)).description == "0a:0b:0c:0d:0e:0f")
    }

    @Test func addressesRoundTripThroughText() async {
        await checkProperty(count: 2000, input: WifiGen.ipv4Address, WifiGen.macAddress) { ip, mac in
            // The descriptions are written digit by digit for speed; spelled out the slow way here.
            #expect(ip.description == ip.octets.map { String($0) }.joined(separator: "."))
            #expect(mac.description == mac.octets.map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":"))
            #expect(IPv4Address(ip.description) == ip)
            #expect(IPv4Address(octets: ip.octets) == ip)
            #expect(MACAddress(mac.description) == mac)
            #expect(MACAddress(octets: mac.octets) == mac)
        }
    }
}
