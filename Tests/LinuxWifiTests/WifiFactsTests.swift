import LinuxWifi
import NetServer
import Testing

@Suite("Mapping Linux facts onto WlanStatus")
struct WifiFactsTests {
    func interface(wireless: Bool = true, up: Bool = true, operState: String? = "up", carrier: Bool? = true) -> InterfaceFiles {
        InterfaceFiles(index: 3, isWireless: wireless, operState: operState, carrier: carrier, isUp: up,
                       mac: MACAddress(0xb8, 0x27, 0xeb, 0x12, 0x34, 0x56))
    }

    @Test("link states", arguments: [
        (nil as InterfaceFiles?, LinkState.unknown),
        (InterfaceFiles(index: 2, isWireless: false, operState: "up", carrier: true, isUp: true, mac: nil), .unknown),
        (InterfaceFiles(index: 3, isWireless: true, operState: "down", carrier: nil, isUp: false, mac: nil), .resetHold),
        (InterfaceFiles(index: 3, isWireless: true, operState: "notpresent", carrier: nil, isUp: true, mac: nil), .wfxError),
        (InterfaceFiles(index: 3, isWireless: true, operState: "testing", carrier: nil, isUp: true, mac: nil), .initializing),
        (InterfaceFiles(index: 3, isWireless: true, operState: "dormant", carrier: true, isUp: true, mac: nil), .connecting),
        (InterfaceFiles(index: 3, isWireless: true, operState: "up", carrier: true, isUp: true, mac: nil), .connected),
        (InterfaceFiles(index: 3, isWireless: true, operState: "up", carrier: false, isUp: true, mac: nil), .disconnected),
        (InterfaceFiles(index: 3, isWireless: true, operState: "down", carrier: false, isUp: true, mac: nil), .disconnected),
        (InterfaceFiles(index: 3, isWireless: true, operState: "lowerlayerdown", carrier: false, isUp: true, mac: nil), .disconnected),
        (InterfaceFiles(index: 3, isWireless: true, operState: "unknown", carrier: true, isUp: true, mac: nil), .connected),
        (InterfaceFiles(index: 3, isWireless: true, operState: "unknown", carrier: false, isUp: true, mac: nil), .disconnected),
    ])
    func linkStates(_ files: InterfaceFiles?, _ state: LinkState) {
        #expect(WifiFacts(interface: files).linkState == state)
        #expect(WifiFacts(interface: files).status.linkState == state)
    }

    @Test("associated: SSID with the signal stored negated, and the whole IPv4 configuration")
    func associated() throws {
        var facts = WifiFacts(interface: interface())
        facts.ssid = Array("XousNet".utf8)
        facts.signalDBm = -53
        facts.address = (IPv4Address(192, 168, 2, 23), 24)
        facts.gateway = IPv4Address(192, 168, 2, 1)
        facts.nameServers = [IPv4Address(192, 168, 2, 1), IPv4Address(1, 1, 1, 1)]
        let status = facts.status
        #expect(status.linkState == .connected)
        let ssid = try #require(status.ssid)
        #expect(ssid.name == "XousNet")
        #expect(ssid.rssi == 53)
        #expect(ssid.rssiDBm == -53)
        #expect(status.ipv4 == Ipv4Conf(
            dhcp: .bound, mac: MACAddress(0xb8, 0x27, 0xeb, 0x12, 0x34, 0x56), addr: IPv4Address(192, 168, 2, 23),
            gateway: IPv4Address(192, 168, 2, 1), mask: IPv4Address(255, 255, 255, 0),
            dns1: IPv4Address(192, 168, 2, 1), dns2: IPv4Address(1, 1, 1, 1)))
        // And it survives the archive the net server pushes.
        #expect(WlanStatus(WlanStatusIpc(status)) == status)
    }

    @Test("DHCP: bound with an address; init on a connected link without one; halted otherwise")
    func dhcp() {
        var facts = WifiFacts(interface: interface())
        #expect(facts.status.ipv4.dhcp == .`init`)
        facts.interface = interface(carrier: false)
        #expect(facts.status.ipv4.dhcp == .halted)
        #expect(facts.status.ipv4.addr == .zero)
        facts.address = (IPv4Address(10, 0, 0, 2), 8)
        #expect(facts.status.ipv4.dhcp == .bound)
        #expect(facts.status.ipv4.mask == IPv4Address(255, 0, 0, 0))
    }

    @Test("no SSID record unless associated or associating, whatever nl80211 last said")
    func ssidOnlyWhenAssociated() {
        var facts = WifiFacts(interface: interface(carrier: false))
        facts.ssid = Array("Old".utf8)
        #expect(facts.status.ssid == nil)
        facts.interface = interface(operState: "dormant")
        #expect(facts.status.ssid?.name == "Old")
        facts.ssid = []
        #expect(facts.status.ssid == nil, "a hidden network's empty SSID is no SSID")
    }

    @Test("any 32 SSID bytes fit the record, valid UTF-8 or not")
    func hostileSSIDs() throws {
        for bytes in [[UInt8](repeating: 0xff, count: 32), Array("ÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀ".utf8), [0, 1, 2, 0x1b], [UInt8](repeating: 0x41, count: 40)] {
            var facts = WifiFacts(interface: interface())
            facts.ssid = bytes
            let record = try #require(facts.status.ssid, "\(bytes)")
            #expect(record.name.utf8.count <= SsidRecord.maxNameBytes)
            _ = WlanStatusIpc(facts.status)
        }
    }

    @Test("prefix lengths to masks", arguments: [(0, "0.0.0.0"), (8, "255.0.0.0"), (20, "255.255.240.0"), (32, "255.255.255.255"), (40, "255.255.255.255")])
    func masks(_ prefix: Int, _ mask: String) {
        var facts = WifiFacts(interface: interface())
        facts.address = (IPv4Address(10, 0, 0, 1), UInt8(prefix))
        #expect(facts.status.ipv4.mask.description == mask)
    }
}
