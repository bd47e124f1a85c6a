@testable import NetServer
import PropertyBased
import TestHarness
import Testing
import XousIPC

/// `WlanStatusIpc` as Xous's rkyv archive. The exact bytes are the golden vectors'
/// (`GoldenTests`); these check the codec's rules over random values and hostile bytes.
@Suite struct WlanStatusIpcCodecTests {
    private func validBytes(ssid: String = "XousNet") -> [UInt8] { WlanStatusIpc(sampleStatus(ssid: ssid)).encoded() }

    /// The archive's length for an SSID of `count` bytes: the 48-byte root, after the name's
    /// bytes (padded to 4) when they do not fit inline.
    private func archiveLength(ssidBytes count: Int?) -> Int {
        guard let count, count > 8 else { return 48 }
        return (count + 3) / 4 * 4 + 48
    }

    @Test func defaultIsFortyEightZeroBytes() {
        #expect(WlanStatusIpc.default.ssid == nil)
        #expect(WlanStatusIpc.default.linkState == 0)
        #expect(WlanStatusIpc.default.ipv4 == Array(repeating: 0, count: 14))
        #expect(WlanStatusIpc.default.encoded() == Array(repeating: 0, count: 48))
        #expect(WlanStatusIpc.archivedLayout == ArchivedLayout(size: 48, alignment: 4))
        #expect(WlanStatus(WlanStatusIpc.default) == .default)
    }

    @Test func rawPartsNeedFourteenWords() {
        #expect(throws: WireError.self) { try WlanStatusIpc(ssid: nil, linkState: 0, ipv4: Array(repeating: 0, count: 13)) }
    }

    @Test func wireStatesRoundTrip() async {
        await checkProperty(count: 3000, input: WifiGen.statusIpc) { ipc in
            let bytes = ipc.encoded()
            #expect(bytes.count == archiveLength(ssidBytes: ipc.ssid?.name.utf8.count))
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

    @Test func randomBytesNeverTrapAndWhatDecodesSurvivesARoundTrip() async {
        await checkProperty(count: 4000, input: Gen<UInt8>.value().array(of: 0...200)) { bytes in
            if let value = try? WlanStatusIpc.decode(bytes) { #expect((try? WlanStatusIpc.decode(value.encoded())) == value) }
        }
        await checkProperty(count: 4000, input: Gen<UInt8>.value().array(of: 48)) { bytes in
            if let value = try? WlanStatusIpc.decode(bytes) { #expect((try? WlanStatusIpc.decode(value.encoded())) == value) }
        }
    }

    @Test func mutatedValidBytesAreRefusedOrDecodeFaithfully() async {
        let mutation = zip(WifiGen.statusIpc, Gen<Int>.value(in: 0...79), Gen<UInt8>.value())
        var accepted = 0
        var refused = 0
        await checkProperty(count: 4000, input: mutation) { ipc, index, byte in
            var bytes = ipc.encoded()
            bytes[index % bytes.count] = byte
            do {
                let decoded = try WlanStatusIpc.decode(bytes)
                #expect((try? WlanStatusIpc.decode(decoded.encoded())) == decoded)
                accepted += 1
            } catch {
                refused += 1
            }
        }
        // Both outcomes must occur, or this test would not be exercising the validation.
        #expect(accepted > 0)
        #expect(refused > 0)
    }

    @Test func shortOrMisalignedArchivesAreRefused() async {
        await checkProperty(count: 300, input: WifiGen.statusIpc) { ipc in
            let bytes = ipc.encoded()
            for length in 0..<48 {
                #expect(throws: WireError.truncated(field: "WlanStatusIpc", needed: 48, available: length)) {
                    try WlanStatusIpc.decode(Array(bytes[..<length]))
                }
            }
            // The root sits at used - 48, which must be a multiple of 4.
            for extra in [1, 2, 3, 5] {
                #expect(throws: WireError.misaligned(field: "WlanStatusIpc", position: bytes.count + extra - 48, alignment: 4)) {
                    try WlanStatusIpc.decode(bytes + Array(repeating: 0, count: extra))
                }
            }
        }
    }

    @Test func optionTagOtherThanZeroOrOneIsRefused() {
        var bytes = validBytes()
        bytes[0] = 2
        #expect(throws: WireError.invalidValue(field: "option tag", value: 2)) { try WlanStatusIpc.decode(bytes) }
    }

    @Test func ssidOverThirtyTwoBytesIsRefusedBeforeItIsRead() throws {
        var bytes = validBytes(ssid: String(repeating: "A", count: 32))
        #expect(bytes.count == 80)
        // The length word of the out-of-line name sits at root + 4, the root at 32.
        #expect(Array(bytes[36..<40]) == [0xA0, 0, 0, 0])
        bytes[36] = 0xA1
        #expect(throws: WireError.tooLong(field: "SsidRecord.name", maximum: 32, actual: 33)) {
            try WlanStatusIpc.decode(bytes)
        }
    }

    @Test func aNamePointingOutsideTheUsedBytesIsRefused() {
        let bytes = validBytes(ssid: "ABCDEFGHI")
        #expect(bytes.count == 60)
        // The relative pointer at 20 counts from the name's 8 bytes at 16: -16 reaches byte 0.
        #expect(Array(bytes[20..<24]) == [0xF0, 0xFF, 0xFF, 0xFF])
        for (pointer, start) in [(Int32(-17), -1), (Int32(44), 60), (Int32.min, 16 + Int(Int32.min)), (Int32(36), 52)] {
            var hostile = bytes
            withUnsafeBytes(of: pointer.littleEndian) { hostile.replaceSubrange(20..<24, with: $0) }
            #expect(throws: WireError.outOfBounds(field: "SsidRecord.name", start: start, length: 9, used: 60)) {
                try WlanStatusIpc.decode(hostile)
            }
        }
    }

    @Test func invalidUTF8IsRefused() {
        var inline = validBytes()
        inline[5] = 0xC3  // "X\u{C3}usNet": a lead byte followed by a non-continuation
        #expect(throws: WireError.invalidUTF8(field: "SsidRecord.name")) { try WlanStatusIpc.decode(inline) }
        var outOfLine = validBytes(ssid: "caf\u{E9}-network")
        outOfLine[4] = 0x41  // é's second byte: its lead byte is now followed by an "A"
        #expect(throws: WireError.invalidUTF8(field: "SsidRecord.name")) { try WlanStatusIpc.decode(outOfLine) }
    }

    @Test func noSsidIgnoresItsPayloadBytes() throws {
        // rkyv writes None as zeros but reads only the tag, as does this decoder.
        var bytes = WlanStatusIpc.default.encoded()
        for index in 1..<16 { bytes[index] = 0xEE }
        #expect(try WlanStatusIpc.decode(bytes) == .default)
    }
}
