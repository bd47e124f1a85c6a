@testable import NetServer
import TestHarness
import Testing
import XousIPC

/// The net server's wire formats against bytes made by the real Rust types (`WlanStatusIpc`,
/// `SsidRecord`, `WifiStateSubscription`, `Option<[u16; 14]>` through `xous_ipc::Buffer` and
/// rkyv 0.8.8): each value encodes to exactly its vector and decodes back from it, directly
/// and through a page the way a receiver reads it (offset = used, the root at used - size).
@Suite("Golden vectors: the net server's messages, byte for byte")
struct NetGoldenTests {
    /// The example configuration of the vectors: DHCP bound, 02:00:5e:10:00:01, 192.168.1.23/24
    /// via 192.168.1.1, DNS 192.168.1.1 and 0.0.0.0.
    static let ipv4Words: [UInt16] = [4, 2, 4190, 256, 43200, 5889, 43200, 257, 65535, 255, 43200, 257, 0, 0]

    static func connected(_ name: String) -> WlanStatusIpc {
        try! WlanStatusIpc(ssid: try! SsidRecord(name: name, rssi: 52), linkState: 6, ipv4: ipv4Words)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let value: WlanStatusIpc
        var testDescription: String { file }
    }

    static let statuses: [Case] = [
        Case(file: "wlan-status-default", value: .default),
        Case(file: "wlan-status-xousnet-connected", value: connected("XousNet")),
        Case(file: "wlan-status-ssid-8", value: connected("ABCDEFGH")),
        Case(file: "wlan-status-ssid-9", value: connected("ABCDEFGHI")),
        Case(file: "wlan-status-ssid-32", value: connected("0123456789ABCDEFGHIJKLMNOPQRSTUV")),
        Case(file: "wlan-status-ssid-utf8-cafe", value: connected("caf\u{E9}\u{2615}")),
        Case(file: "wlan-status-ssid-utf8-cafe-net", value: connected("caf\u{E9}\u{2615}net")),
        Case(file: "wlan-status-ssid-empty", value: connected("")),
        Case(file: "wlan-status-disconnected", value: try! WlanStatusIpc(ssid: nil, linkState: 4, ipv4: Array(repeating: 0, count: 14))),
    ]

    private func expectBothWays<T: Archivable & Equatable>(_ value: T, _ file: String) throws {
        let golden = GoldenVectors.bytes(file)
        #expect(value.encoded() == golden, "\(file): encoding differs")
        #expect(try T.decode(golden) == value, "\(file): decoding differs")
        var buffer = Buffer(encoding: value)
        #expect(buffer.used == golden.count)
        #expect(buffer.capacity == 4_096)
        buffer.withUnsafeMutableBytes { page in
            for index in golden.count..<page.count { page[index] = 0xAA }
        }
        #expect(try buffer.decode(T.self) == value)
    }

    @Test("WlanStatusIpc", arguments: statuses)
    func wlanStatus(_ entry: Case) throws {
        try expectBothWays(entry.value, entry.file)
    }

    @Test("the sample state of these tests is the vectors' XousNet state")
    func sampleIsTheVector() throws {
        #expect(WlanStatusIpc(sampleStatus()) == Self.connected("XousNet"))
        #expect(WlanStatusIpc(sampleStatus()).encoded() == GoldenVectors.bytes("wlan-status-xousnet-connected"))
        #expect(Ipv4Conf.default.encodeWords() == Array(repeating: 0, count: 14))
        #expect(sampleStatus().ipv4.encodeWords() == Self.ipv4Words)
    }

    @Test("WifiStateSubscription")
    func subscription() throws {
        let subscription = WifiStateSubscription(
            sid: SID(words: (0x1111_1111, 0x2222_2222, 0x3333_3333, 0x4444_4444)), opcode: 7)
        try expectBothWays(subscription, "wifi-state-subscription")
    }

    @Test("GetIpv4Config's Option<[u16; 14]>: the request, and the reply with and without a configuration")
    func ipv4Config() throws {
        try expectBothWays(Ipv4ConfigReply(words: Array(repeating: 0, count: 14)), "ipv4-config-request")
        try expectBothWays(Ipv4ConfigReply(words: Self.ipv4Words), "ipv4-config-reply-some")
        try expectBothWays(Ipv4ConfigReply(words: nil), "ipv4-config-reply-none")
    }

    @Test("what NetManager lends for GetIpv4Config, and what the net server writes back, are the vectors")
    func getIpv4ConfigOnTheWire() throws {
        // A net server that reports the example configuration, and a spy of the bytes.
        let kernel = Kernel()
        defer { kernel.shutdown() }
        let source = ManualWifiSource()
        let net = try NetService(kernel: kernel, source: source)
        defer { net.stop() }
        let client = try kernel.createProcess(name: "client")
        let cid = try client.requestConnection(serverNameNet)
        var buffer = Buffer(encoding: Ipv4ConfigReply(words: Array(repeating: 0, count: 14)))
        let request = buffer.withUnsafeBytes { Array($0.prefix(buffer.used)) }
        #expect(request == GoldenVectors.bytes("ipv4-config-request"))
        #expect(try client.lendMutable(cid, id: NetOpcode.getIpv4Config.rawValue, &buffer) == .memoryReturned(offset: 30, valid: 4_096))
        #expect(buffer.withUnsafeBytes { Array($0.prefix(buffer.used)) } == GoldenVectors.bytes("ipv4-config-reply-none"))

        #expect(source.emit(sampleStatus()))
        #expect(eventually(seconds: 5) { net.currentStatus == sampleStatus() })
        var again = Buffer(encoding: Ipv4ConfigReply(words: Array(repeating: 0, count: 14)))
        try client.lendMutable(cid, id: NetOpcode.getIpv4Config.rawValue, &again)
        #expect(again.withUnsafeBytes { Array($0.prefix(again.used)) } == GoldenVectors.bytes("ipv4-config-reply-some"))
    }
}
