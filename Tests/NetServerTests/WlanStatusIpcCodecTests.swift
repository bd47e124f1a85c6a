@testable import NetServer
import PropertyBased
import TestHarness
import Testing
import XousIPC

@Suite struct WlanStatusIpcCodecTests {
    private func validBytes() -> [UInt8] { WlanStatusIpc(sampleStatus()).encoded() }

    @Test func layoutIsTheDocumentedOne() {
        let bytes = validBytes()
        #expect(bytes.count == WlanStatusIpc.encodedSize)
        #expect(Array(bytes[0..<4]) == [1, 7, 52, 0])
        #expect(Array(bytes[4..<11]) == Array("XousNet".utf8))
        #expect(bytes[11..<36].allSatisfy { $0 == 0 })
        #expect(Array(bytes[36..<38]) == [6, 0])
        #expect(Array(bytes[38..<42]) == [4, 0, 0x02, 0x00])  // dhcp bound, then mac 02:00
        #expect(Array(bytes[46..<50]) == [0xC0, 0xA8, 0x01, 0x17])  // 192.168.1.23
    }

    @Test func defaultIsNoSsidUnknownAndZeros() {
        #expect(WlanStatusIpc.default.ssid == nil)
        #expect(WlanStatusIpc.default.linkState == 0)
        #expect(WlanStatusIpc.default.ipv4 == Array(repeating: 0, count: 14))
        #expect(WlanStatusIpc.default.encoded() == Array(repeating: 0, count: 66))
        #expect(WlanStatus(WlanStatusIpc.default) == .default)
    }

    @Test func rawPartsNeedFourteenWords() {
        #expect(throws: WireError.self) { try WlanStatusIpc(ssid: nil, linkState: 0, ipv4: Array(repeating: 0, count: 13)) }
    }

    @Test func wireStatesRoundTrip() async {
        await checkProperty(count: 3000, input: WifiGen.statusIpc) { ipc in
            let bytes = ipc.encoded()
            #expect(bytes.count == WlanStatusIpc.encodedSize)
            let decoded = try WlanStatusIpc.decode(bytes)
            #expect(decoded == ipc)
        }
    }

    @Test func typedStatesRoundTripThroughTheWire() async {
        await checkProperty(count: 3000, input: WifiGen.status) { status in
            let ipc = WlanStatusIpc(status)
            let decoded = try WlanStatusIpc.decode(ipc.encoded())
            #expect(WlanStatus(decoded) == status)
        }
    }

    @Test func unknownLinkNumbersSurviveRawAndReadAsUnknown() throws {
        let ipc = try WlanStatusIpc(ssid: nil, linkState: 999, ipv4: Array(repeating: 0, count: 14))
        let decoded = try WlanStatusIpc.decode(ipc.encoded())
        #expect(decoded.linkState == 999)
        #expect(WlanStatus(decoded).linkState == .unknown)
    }

    @Test func randomBytesDecodeOnlyToFaithfulValues() async {
        await checkProperty(count: 4000, input: Gen<UInt8>.value().array(of: 0...200)) { bytes in
            if let value = try? WlanStatusIpc.decode(bytes) { #expect(value.encoded() == bytes) }
        }
        await checkProperty(count: 4000, input: Gen<UInt8>.value().array(of: 66)) { bytes in
            if let value = try? WlanStatusIpc.decode(bytes) { #expect(value.encoded() == bytes) }
        }
    }

    @Test func mutatedValidBytesDecodeOnlyToFaithfulValues() async {
        let mutation = zip(WifiGen.statusIpc, Gen<Int>.value(in: 0...65), Gen<UInt8>.value())
        var accepted = 0
        var refused = 0
        await checkProperty(count: 4000, input: mutation) { ipc, index, byte in
            var bytes = ipc.encoded()
            bytes[index] = byte
            do {
                let decoded = try WlanStatusIpc.decode(bytes)
                #expect(decoded.encoded() == bytes)
                accepted += 1
            } catch {
                refused += 1
            }
        }
        // Both outcomes must occur, or this test would not be exercising the validation.
        #expect(accepted > 0)
        #expect(refused > 0)
    }

    @Test func everyTruncationIsRefused() async {
        await checkProperty(count: 300, input: WifiGen.statusIpc) { ipc in
            let bytes = ipc.encoded()
            for length in 0..<bytes.count {
                do throws(WireError) {
                    _ = try WlanStatusIpc.decode(Array(bytes[..<length]))
                    Issue.record("a \(length)-byte prefix decoded")
                } catch {
                    guard case .truncated = error else {
                        Issue.record("a \(length)-byte prefix failed with \(error), not truncation")
                        continue
                    }
                }
            }
        }
    }

    @Test func extraBytesAreRefused() async {
        await checkProperty(count: 1000, input: WifiGen.statusIpc, Gen<UInt8>.value().array(of: 1...20)) { ipc, extra in
            #expect(throws: WireError.trailingBytes(count: extra.count)) {
                try WlanStatusIpc.decode(ipc.encoded() + extra)
            }
        }
    }

    @Test func hasSsidOtherThanZeroOrOneIsRefused() {
        var bytes = validBytes()
        bytes[0] = 2
        #expect(throws: WireError.invalidValue(field: "WlanStatusIpc.has_ssid", value: 2)) { try WlanStatusIpc.decode(bytes) }
    }

    @Test func ssidLengthOverThirtyTwoIsRefused() {
        var bytes = validBytes()
        bytes[1] = 33
        #expect(throws: WireError.tooLong(field: "WlanStatusIpc.ssid_len", maximum: 32, actual: 33)) {
            try WlanStatusIpc.decode(bytes)
        }
    }

    @Test func reservedByteMustBeZero() {
        var bytes = validBytes()
        bytes[3] = 1
        #expect(throws: WireError.invalidValue(field: "WlanStatusIpc.reserved", value: 1)) { try WlanStatusIpc.decode(bytes) }
    }

    @Test func paddingMustBeZero() {
        var bytes = validBytes()
        bytes[35] = 0x41
        #expect(throws: WireError.invalidValue(field: "WlanStatusIpc.ssid padding", value: 0x41)) {
            try WlanStatusIpc.decode(bytes)
        }
    }

    @Test func invalidUTF8IsRefused() {
        var bytes = validBytes()
        bytes[5] = 0xFF
        #expect(throws: WireError.invalidUTF8(field: "WlanStatusIpc.ssid")) { try WlanStatusIpc.decode(bytes) }
        var cut = WlanStatusIpc(sampleStatus(ssid: "caf\u{E9}")).encoded()
        cut[1] = 4  // ends inside the two-byte é; the orphaned byte is then non-zero padding
        #expect(throws: WireError.self) { try WlanStatusIpc.decode(cut) }
    }

    @Test func noSsidNeedsZeroLengthAndStrength() {
        var lengthSet = WlanStatusIpc.default.encoded()
        lengthSet[1] = 1
        #expect(throws: WireError.invalidValue(field: "WlanStatusIpc.ssid_len", value: 1)) { try WlanStatusIpc.decode(lengthSet) }
        var rssiSet = WlanStatusIpc.default.encoded()
        rssiSet[2] = 40
        #expect(throws: WireError.invalidValue(field: "WlanStatusIpc.rssi", value: 40)) { try WlanStatusIpc.decode(rssiSet) }
    }
}
