import PropertyBased
import TestHarness
import Testing
import XousIPC

/// Two strings in one struct, to see rkyv's order: out-of-line parts in field order, unaligned,
/// then the root. `struct Pair { first: String, count: u8, second: String }`.
private struct Pair: Archivable, Equatable {
    static let fields = ArchivedStruct(String.archivedLayout, UInt8.archivedLayout, String.archivedLayout)
    var first: String
    var count: UInt8
    var second: String

    static var archivedLayout: ArchivedLayout { fields.layout }
    func archiveOutOfLine(into writer: inout ArchiveWriter) {
        first.archiveOutOfLine(into: &writer)
        second.archiveOutOfLine(into: &writer)
    }
    func archive(at position: Int, into writer: inout ArchiveWriter) {
        first.archive(at: position + Self.fields.offsets[0], into: &writer)
        count.archive(at: position + Self.fields.offsets[1], into: &writer)
        second.archive(at: position + Self.fields.offsets[2], into: &writer)
    }
    init(first: String, count: UInt8, second: String) {
        self.first = first
        self.count = count
        self.second = second
    }
    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        first = try String(archivedAt: position + Self.fields.offsets[0], in: reader)
        count = try UInt8(archivedAt: position + Self.fields.offsets[1], in: reader)
        second = try String(archivedAt: position + Self.fields.offsets[2], in: reader)
    }
}

extension XousIPCSpec {
    /// rkyv 0.8's building blocks, as `xous_ipc::Buffer` carries them (the golden vectors pin the
    /// message types; these pin the rules every type is built from).
    @Suite("Archives: rkyv 0.8's building blocks")
    struct ArchiveSpec {
        @Test("a string of up to 8 bytes is inline, filled with 0xFF; an 8-byte one has no fill")
        func inlineStrings() throws {
            #expect("".encoded() == Array(repeating: 0xFF, count: 8))
            #expect("gold".encoded() == Array("gold".utf8) + [0xFF, 0xFF, 0xFF, 0xFF])
            #expect("abcdefgh".encoded() == Array("abcdefgh".utf8))
            // Bytes, not characters: "café☕" is 5 characters and 8 bytes.
            #expect("caf\u{E9}\u{2615}".encoded() == Array("caf\u{E9}\u{2615}".utf8))
            for text in ["", "gold", "abcdefgh", "caf\u{E9}\u{2615}"] { #expect(try String.decode(text.encoded()) == text) }
        }

        @Test("a longer string goes out of line: its bytes, padding, then a length word and the offset back to them",
              arguments: [9, 10, 32, 63, 64, 300, 1_000])
        func outOfLineStrings(count: Int) throws {
            let text = String(repeating: "q", count: count)
            let bytes = text.encoded()
            let root = (count + 3) / 4 * 4
            #expect(bytes.count == root + 8)
            #expect(Array(bytes.prefix(count)) == Array(text.utf8))
            #expect(bytes[count..<root].allSatisfy { $0 == 0 })
            let word = UInt32(bytes[root]) | UInt32(bytes[root + 1]) << 8 | UInt32(bytes[root + 2]) << 16 | UInt32(bytes[root + 3]) << 24
            #expect(Int(word) == (count & 0x3F) | 0x80 | ((count & ~0x3F) << 2))
            let offset = Int32(bitPattern: UInt32(bytes[root + 4]) | UInt32(bytes[root + 5]) << 8
                | UInt32(bytes[root + 6]) << 16 | UInt32(bytes[root + 7]) << 24)
            #expect(Int(offset) == -root)
            #expect(try String.decode(bytes) == text)
        }

        @Test("out-of-line parts come in field order, unaligned, before the root")
        func fieldOrder() throws {
            let pair = Pair(first: "first-string", count: 3, second: "the-second-one")
            let bytes = pair.encoded()
            #expect(Pair.archivedLayout == ArchivedLayout(size: 20, alignment: 4))
            #expect(Pair.fields.offsets == [0, 8, 12])
            #expect(Array(bytes.prefix(12 + 14)) == Array("first-string".utf8) + Array("the-second-one".utf8))
            #expect(bytes.count == 28 + 20)
            #expect(try Pair.decode(bytes) == pair)
        }

        @Test("Option: a tag byte, the payload at its alignment, None all zero after the tag")
        func options() throws {
            #expect(UInt32?.archivedLayout == ArchivedLayout(size: 8, alignment: 4))
            #expect(UInt16?.archivedLayout == ArchivedLayout(size: 4, alignment: 2))
            #expect(UInt8?.archivedLayout == ArchivedLayout(size: 2, alignment: 1))
            #expect(Optional(UInt32(0x0102_0304)).encoded() == [1, 0, 0, 0, 4, 3, 2, 1])
            #expect(UInt32?.none.encoded() == [0, 0, 0, 0, 0, 0, 0, 0])
            #expect(try UInt32?.decode([1, 0, 0, 0, 4, 3, 2, 1]) == 0x0102_0304)
            #expect(try UInt32?.decode([0, 9, 9, 9, 9, 9, 9, 9]) == nil)
            #expect(throws: WireError.invalidValue(field: "option tag", value: 2)) { try UInt32?.decode([2, 0, 0, 0, 0, 0, 0, 0]) }
            // A string inside: its bytes out of line as usual.
            let some: String? = "a long enough name"
            #expect(try String?.decode(some.encoded()) == some)
        }

        @Test("Vec<u8>: a relative pointer, then the count; the bytes out of line")
        func byteVectors() throws {
            let bytes: [UInt8] = [9, 8, 7, 6, 5]
            #expect(bytes.encoded() == [9, 8, 7, 6, 5, 0, 0, 0, 0xF8, 0xFF, 0xFF, 0xFF, 5, 0, 0, 0])
            #expect(try [UInt8].decode(bytes.encoded()) == bytes)
            #expect([UInt8]().encoded() == [0, 0, 0, 0, 0, 0, 0, 0])
            #expect(try [UInt8].decode([UInt8]().encoded()) == [])
            let limited = bytes.encoded().withUnsafeBytes { raw in
                Result { try [UInt8](archivedAt: 8, in: ArchiveReader(raw), maxCount: 2, field: "vec") }
            }
            #expect(throws: WireError.tooLong(field: "vec", maximum: 2, actual: 5)) { try limited.get() }
        }

        @Test("bool is one byte, 0 or 1")
        func bools() throws {
            #expect(true.encoded() == [1])
            #expect(try Bool.decode([0]) == false)
            #expect(throws: WireError.invalidValue(field: "bool", value: 2)) { try Bool.decode([2]) }
        }

        @Test("an enum: a u8 tag, each variant a repr(C) struct after it, as large as the largest")
        func enums() {
            let layout = ArchivedEnum(variants: [[], [UInt32.archivedLayout], [UInt8.archivedLayout, UInt16.archivedLayout]])
            #expect(layout.layout == ArchivedLayout(size: 8, alignment: 4))
            #expect(layout.variants.map(\.offsets) == [[0], [0, 4], [0, 1, 2]])
        }

        @Test("a root is found at used - size, and refused when there is no room for it or it would be misaligned")
        func roots() throws {
            #expect(throws: WireError.truncated(field: "UInt32", needed: 4, available: 3)) { try UInt32.decode([1, 2, 3]) }
            #expect(throws: WireError.misaligned(field: "UInt32", position: 1, alignment: 4)) { try UInt32.decode([0, 1, 2, 3, 4]) }
            #expect(try UInt32.decode([0xEE, 0xEE, 0xEE, 0xEE, 1, 0, 0, 0]) == 1)
        }

        @Test("a string whose pointer leaves the used bytes, whose length is over its limit or whose bytes are not UTF-8 is refused")
        func hostileStrings() throws {
            let good = "0123456789".encoded()  // 10 bytes, 2 of padding, the root at 12
            var outside = good
            outside.replaceSubrange(16..<20, with: [4, 0, 0, 0])  // offset +4: bytes 16..<26, past the 20 used
            #expect(throws: WireError.outOfBounds(field: "string", start: 16, length: 10, used: 20)) { try String.decode(outside) }
            var before = good
            before[16] = 0xF0  // offset -16: bytes from -4
            #expect(throws: WireError.outOfBounds(field: "string", start: -4, length: 10, used: 20)) { try String.decode(before) }
            var long = good
            long[12] = 0xBF  // 63 bytes from 0
            #expect(throws: WireError.outOfBounds(field: "string", start: 0, length: 63, used: 20)) { try String.decode(long) }
            var huge = good
            huge.replaceSubrange(12..<16, with: [0xBF, 0xFF, 0xFF, 0xFF])  // about 1 GiB
            #expect(throws: WireError.self) { try String.decode(huge) }
            let limited = good.withUnsafeBytes { raw in
                Result { try String(archivedAt: 12, in: ArchiveReader(raw), maxBytes: 9, field: "name") }
            }
            #expect(throws: WireError.tooLong(field: "name", maximum: 9, actual: 10)) { try limited.get() }
            var broken = good
            broken[3] = 0xC3  // a lead byte followed by "4"
            #expect(throws: WireError.invalidUTF8(field: "string")) { try String.decode(broken) }
            #expect(throws: WireError.invalidUTF8(field: "string")) { try String.decode([0x41, 0xE2, 0x98, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) }
        }

        @Test("any Reading survives an archive round trip; random archives decode to values that do, or are refused")
        func roundTrips() async {
            await checkProperty(count: 2_000, input: TestGen.reading) { reading in
                #expect((try? Reading.decode(reading.encoded())) == reading)
                let pair = Pair(first: reading.label, count: reading.sensor, second: reading.label + reading.label)
                #expect((try? Pair.decode(pair.encoded())) == pair)
            }
            await checkProperty(count: 4_000, input: Gen<UInt8>.value().array(of: 0...64)) { bytes in
                if let pair = try? Pair.decode(bytes) { #expect((try? Pair.decode(pair.encoded())) == pair) }
            }
        }
    }
}
