import NetServer
import Testing
import XousIPC

@Suite struct SsidRecordTests {
    @Test func rssiIsNegatedDBm() throws {
        let record = try SsidRecord(name: "XousNet", rssiDBm: -42)
        #expect(record.rssi == 42)
        #expect(record.rssiDBm == -42)
        #expect(try SsidRecord(name: "x", rssi: 200).rssiDBm == -200)
    }

    @Test func dBmIsClampedIntoRange() throws {
        #expect(try SsidRecord(name: "x", rssiDBm: 5).rssi == 0)
        #expect(try SsidRecord(name: "x", rssiDBm: -300).rssi == 255)
        #expect(try SsidRecord(name: "x", rssiDBm: -255).rssi == 255)
        #expect(try SsidRecord(name: "x", rssiDBm: Int.min).rssi == 255)
    }

    @Test func nameIsLimitedToThirtyTwoBytes() throws {
        #expect(try SsidRecord(name: String(repeating: "a", count: 32), rssi: 0).name.utf8.count == 32)
        #expect(throws: WireError.tooLong(field: "ssid", maximum: 32, actual: 33)) {
            try SsidRecord(name: String(repeating: "a", count: 33), rssi: 0)
        }
        // Eleven 3-byte characters: eleven characters but 33 bytes.
        #expect(throws: WireError.self) { try SsidRecord(name: String(repeating: "€", count: 11), rssi: 0) }
    }

    @Test func namesCompareByBytes() throws {
        let composed = try SsidRecord(name: "caf\u{E9}", rssi: 1)
        let decomposed = try SsidRecord(name: "cafe\u{301}", rssi: 1)
        #expect(composed.name == decomposed.name)  // String's canonical equivalence
        #expect(composed != decomposed)
    }
}
