import TestJSON
import Gateway
import GatewayControl
import NetServer
import Testing
import XousIPC
import SystemSupport

@Suite("The <base>/wlan/state payload")
struct PayloadTests {
    static let connected = WlanStatus(
        ssid: try! SsidRecord(name: "XousNet", rssiDBm: -52),
        linkState: .connected,
        ipv4: Ipv4Conf(
            dhcp: .bound, mac: MACAddress(0x02, 0x00, 0x5e, 0x10, 0x00, 0x01),
            addr: IPv4Address(192, 168, 1, 23), gateway: IPv4Address(192, 168, 1, 1),
            mask: IPv4Address(255, 255, 255, 0), dns1: IPv4Address(192, 168, 1, 1), dns2: .zero))

    @Test("is byte for byte the document of the MQTT contract, fields in order")
    func matchesTheContractExample() {
        let payload = WlanStatePayload.bytes(
            Self.connected, seq: 17, receivedAt: WallClockTime(millisecondsSinceEpoch: 1_795_521_600_123))
        #expect(String(decoding: payload, as: UTF8.self) == """
            {"link_state":"connected","link_state_code":6,"connected":true,\
            "ssid":"XousNet","rssi_dbm":-52,\
            "ipv4":{"dhcp":"bound","mac":"02:00:5e:10:00:01","address":"192.168.1.23",\
            "gateway":"192.168.1.1","netmask":"255.255.255.0","dns1":"192.168.1.1","dns2":"0.0.0.0"},\
            "seq":17,"received_at":"2026-11-24T12:00:00.123Z"}
            """)
    }

    @Test("the bytes written on every update read back as the typed document the status answer carries")
    func publishedBytesAreTheContractDocument() throws {
        let receivedAt = WallClockTime(millisecondsSinceEpoch: 1_795_521_600_123)
        let bytes = WlanStatePayload.bytes(Self.connected, seq: 17, receivedAt: receivedAt)
        #expect(try DocumentCoding.decode(WlanStateDocument.self, from: bytes) == WlanStatePayload.document(Self.connected, seq: 17, receivedAt: receivedAt))
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"link_state":"connected","link_state_code":6,"#))
    }

    @Test("is valid JSON carrying every field as given, for 3,000 random statuses and hostile SSIDs")
    func randomStatusesRoundTrip() throws {
        var random = SplitMix64(seed: 0x9a71_0ad5)
        // Quotes, backslashes, control characters, non-ASCII and astral scalars: what a
        // neighbour's access point may call itself.
        let alphabet: [Unicode.Scalar] = ["\"", "\\", "\u{0}", "\n", "\u{1f}", "\u{7f}", "a", "Z", " ", "/", "é", "\u{2028}", "😀", "\u{10ffff}"]
        func address() -> IPv4Address {
            IPv4Address(UInt8.random(in: 0...255, using: &random), UInt8.random(in: 0...255, using: &random),
                        UInt8.random(in: 0...255, using: &random), UInt8.random(in: 0...255, using: &random))
        }
        for round in 0..<3_000 {
            var name = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...8, using: &random) { name.append(alphabet.randomElement(using: &random)!) }
            let ssid = Bool.random(using: &random)
                ? try SsidRecord(name: String(name), rssi: UInt8.random(in: 0...255, using: &random)) : nil
            let mac = MACAddress(octets: (0..<6).map { _ in UInt8.random(in: 0...255, using: &random) })!
            let status = WlanStatus(
                ssid: ssid, linkState: LinkState.allCases.randomElement(using: &random)!,
                ipv4: Ipv4Conf(dhcp: DhcpState.allCases.randomElement(using: &random)!, mac: mac, addr: address(),
                               gateway: address(), mask: address(), dns1: address(), dns2: address()))
            let seq = round == 0 ? Int.max : Int.random(in: 1...Int.max, using: &random)
            let receivedAt = WallClockTime(millisecondsSinceEpoch: Int64.random(in: 0...4_102_444_800_000, using: &random))
            let bytes = WlanStatePayload.bytes(status, seq: seq, receivedAt: receivedAt)
            let document = try JSONValue.parse(bytes)
            // Compact, escaped, and the same as the typed document, field by field.
            #expect(bytes.allSatisfy { $0 >= 0x20 })
            #expect(try DocumentCoding.decode(WlanStateDocument.self, from: bytes) == WlanStatePayload.document(status, seq: seq, receivedAt: receivedAt))
            #expect(document["ssid"] == (ssid.map { .string($0.name) } ?? .null))
            #expect(document["rssi_dbm"] == (ssid.map { .int($0.rssiDBm) } ?? .null))
            #expect(document["link_state_code"]?.intValue == Int(status.linkState.rawValue))
            #expect(document["ipv4"]?["mac"]?.stringValue == mac.description)
            #expect(document["ipv4"]?["address"]?.stringValue.flatMap(IPv4Address.init) == status.ipv4.addr)
            #expect(document["ipv4"]?["dns2"]?.stringValue.flatMap(IPv4Address.init) == status.ipv4.dns2)
            #expect(document["seq"]?.intValue == seq)
            #expect(document["received_at"]?.stringValue == receivedAt.iso8601)
        }
    }

    @Test("has null ssid and rssi_dbm when the status has no SSID record")
    func nullsWithoutSSID() throws {
        let status = WlanStatus(ssid: nil, linkState: .disconnected, ipv4: .default)
        let payload = try JSONValue.parse(WlanStatePayload.bytes(status, seq: 1, receivedAt: WallClockTime(millisecondsSinceEpoch: 0)))
        #expect(payload["ssid"] == .null)
        #expect(payload["rssi_dbm"] == .null)
        #expect(payload["connected"] == .bool(false))
        #expect(payload["link_state"] == "disconnected")
        #expect(payload["ipv4"]?["dhcp"] == "halted")
        #expect(payload["received_at"] == "1970-01-01T00:00:00.000Z")
    }

    @Test("names every link state and DHCP state as the contract spells them", arguments: LinkState.allCases)
    func linkStateNames(_ state: LinkState) throws {
        let expected = ["unknown", "reset_hold", "uninitialized", "initializing", "disconnected", "connecting", "connected", "wfx_error"]
        let payload = try JSONValue.parse(WlanStatePayload.bytes(WlanStatus(linkState: state), seq: 1, receivedAt: .now))
        #expect(payload["link_state"] == .string(expected[Int(state.rawValue)]))
        #expect(payload["link_state_code"] == .int(Int(state.rawValue)))
        #expect(payload["connected"] == .bool(state == .connected))
    }

    @Test("spells DHCP states as the contract does", arguments: DhcpState.allCases)
    func dhcpNames(_ state: DhcpState) throws {
        let expected = ["halted", "init", "selecting", "requesting", "bound", "renewing", "rebinding", "invalid"]
        let payload = try JSONValue.parse(WlanStatePayload.bytes(WlanStatus(ipv4: Ipv4Conf(dhcp: state)), seq: 1, receivedAt: .now))
        #expect(payload["ipv4"]?["dhcp"] == .string(expected[Int(state.rawValue)]))
    }

    @Test("parses back as JSON with the fields a consumer reads")
    func parsesBack() throws {
        let parsed = try JSONValue.parse(WlanStatePayload.bytes(Self.connected, seq: 3, receivedAt: .now))
        #expect(parsed["rssi_dbm"]?.intValue == -52)
        #expect(parsed["seq"]?.intValue == 3)
        #expect(parsed["ipv4"]?["address"]?.stringValue == "192.168.1.23")
    }

    @Test("formats wall-clock time as ISO 8601 UTC with milliseconds")
    func wallClock() {
        #expect(WallClockTime(millisecondsSinceEpoch: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(WallClockTime(millisecondsSinceEpoch: 951_782_400_007).iso8601 == "2000-02-29T00:00:00.007Z")
        #expect(WallClockTime(millisecondsSinceEpoch: 1_795_521_600_123).iso8601 == "2026-11-24T12:00:00.123Z")
        #expect(WallClockTime(millisecondsSinceEpoch: 1_795_564_799_999).iso8601 == "2026-11-24T23:59:59.999Z")
        // A clock set before 1970 still gives milliseconds 0...999, and years past 9999 all their digits.
        #expect(WallClockTime(millisecondsSinceEpoch: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(WallClockTime(millisecondsSinceEpoch: -1000).iso8601 == "1969-12-31T23:59:59.000Z")
        #expect(WallClockTime(millisecondsSinceEpoch: 253_402_300_800_000).iso8601 == "10000-01-01T00:00:00.000Z")
    }
}

@Suite("Gateway configuration")
struct ConfigurationTests {
    @Test("the device id defaults to the host name, lower-cased, other characters replaced by _")
    func deviceIDFromHostName() {
        #expect(GatewayConfiguration.deviceID(fromHostName: "Pi-Kitchen.local") == "pi-kitchen_local")
        #expect(GatewayConfiguration.deviceID(fromHostName: "ÄB c") == "__b_c")
        #expect(GatewayConfiguration.deviceID(fromHostName: "") == "gatewayd")
        let id = GatewayConfiguration.defaultDeviceID()
        #expect(!id.isEmpty && id.utf8.allSatisfy { "abcdefghijklmnopqrstuvwxyz0123456789_-".utf8.contains($0) })
    }

    @Test("topics follow the contract")
    func topics() {
        let topics = Topics(GatewayConfiguration(baseTopic: "wg", deviceID: "d"))
        #expect(topics.bridgeState == "wg/bridge/state")
        #expect(topics.wlanState == "wg/wlan/state")
        #expect(topics.subscription == "wg/bridge/subscription")
        #expect(topics.health == "wg/bridge/health")
        #expect(topics.control == "wg/control")
        #expect(topics.controlResponse == "wg/control/response")
        #expect(topics.homeAssistantStatus == "homeassistant/status")
    }

    @Test("names the key of an unusable value", arguments: [
        (GatewayConfiguration(baseTopic: "a/#", deviceID: "d"), "mqtt.base_topic"),
        (GatewayConfiguration(baseTopic: "", deviceID: "d"), "mqtt.base_topic"),
        (GatewayConfiguration(baseTopic: "/a", deviceID: "d"), "mqtt.base_topic"),
        (GatewayConfiguration(deviceID: "Not OK"), "device_id"),
        (GatewayConfiguration(deviceID: "d", discoveryPrefix: "home+"), "homeassistant.discovery_prefix"),
        (GatewayConfiguration(baseTopic: "homeassistant", deviceID: "d"), "mqtt.base_topic"),
        (GatewayConfiguration(deviceID: "d", healthIntervalSeconds: 0), "health.interval_s"),
    ])
    func refusesBadValues(_ configuration: GatewayConfiguration, _ key: String) {
        #expect(throws: GatewayConfigurationError.self) { try configuration.validate() }
        do {
            try configuration.validate()
        } catch {
            #expect(error.key == key)
        }
    }

    @Test("accepts the defaults")
    func defaultsAreValid() throws {
        try GatewayConfiguration(deviceID: "d").validate()
    }
}
