import PropertyBased
import TestHarness
import Testing
import XousIPC

/// Reads a field of negative length; used by an exit test, since the bug it shows traps.
func readBytesWithANegativeCount() {
    let bytes: [UInt8] = [1, 2, 3, 4]
    bytes.withUnsafeBytes { raw in
        var reader = WireReader(raw)
        _ = try? reader.readUInt8("tag")
        _ = try? reader.readBytes(-1, "payload")
    }
}

extension XousIPCSpec {
    /// The cursor for byte streams of a fixed layout (not messages, which are archives): it
    /// checks every read against the bytes that are there, and names the field it could not read.
    @Suite("WireReader and WireWriter: bounds-checked little-endian")
    struct WireSpec {
        @Test("reads are little-endian and advance the position by their width")
        func littleEndianReads() throws {
            let bytes: [UInt8] = [0xAB, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 9, 8, 7]
            try bytes.withUnsafeBytes { raw in
                var reader = WireReader(raw)
                #expect(reader.remaining == 10)
                let byte = try reader.readUInt8("byte")
                #expect(byte == 0xAB)
                #expect(reader.position == 1)
                let half = try reader.readUInt16("half")
                #expect(half == 0x1234)
                #expect(reader.position == 3)
                let word = try reader.readUInt32("word")
                #expect(word == 0x1234_5678)
                #expect(reader.position == 7)
                let tail = try reader.readBytes(3, "tail")
                #expect(Array(tail) == [9, 8, 7])
                #expect(tail.count == 3)
                #expect(tail[0] == 9)
                #expect(reader.remaining == 0)
                try reader.expectEnd()
            }
        }

        enum Read: Sendable, CaseIterable, CustomTestStringConvertible {
            case uint8, uint16, uint32, bytes
            /// How many bytes the read needs.
            var width: Int {
                switch self {
                case .uint8: 1
                case .uint16: 2
                case .uint32: 4
                case .bytes: 6
                }
            }
            func perform(_ reader: inout WireReader, _ field: String) throws(WireError) {
                switch self {
                case .uint8: _ = try reader.readUInt8(field)
                case .uint16: _ = try reader.readUInt16(field)
                case .uint32: _ = try reader.readUInt32(field)
                case .bytes: _ = try reader.readBytes(width, field)
                }
            }
            var testDescription: String { "\(self) (\(width) bytes)" }
        }

        @Test("a read past the end is refused as truncated, naming the field, and leaves the position alone",
              arguments: Read.allCases)
        func truncatedReads(_ read: Read) throws {
            // One byte is consumed first, so `available` must count what is left, not the total.
            let bytes = [UInt8](repeating: 0xEE, count: read.width)
            bytes.withUnsafeBytes { raw in
                var reader = WireReader(raw)
                _ = try? reader.readUInt8("first")
                #expect(throws: WireError.truncated(field: "header.length", needed: read.width, available: read.width - 1)) {
                    try read.perform(&reader, "header.length")
                }
                #expect(reader.position == 1)
                #expect(reader.remaining == read.width - 1)
            }
            // From nothing at all.
            [UInt8]().withUnsafeBytes { raw in
                var reader = WireReader(raw)
                #expect(throws: WireError.truncated(field: "x", needed: read.width, available: 0)) {
                    try read.perform(&reader, "x")
                }
                #expect(reader.position == 0)
            }
        }

        @Test("expectEnd accepts a reader at the end and refuses trailing bytes, counting them")
        func expectEnd() throws {
            let bytes: [UInt8] = [1, 2, 3]
            try bytes.withUnsafeBytes { raw in
                var reader = WireReader(raw)
                _ = try reader.readUInt8("a")
                #expect(throws: WireError.trailingBytes(count: 2)) { try reader.expectEnd() }
                _ = try reader.readUInt16("b")
                try reader.expectEnd()
            }
        }

        @Test("WireWriter writes little-endian words, raw bytes and zero padding")
        func writer() throws {
            var writer = WireWriter()
            writer.write(UInt8(0xAB))
            writer.write(UInt16(0x1234))
            writer.write(UInt32(0x1234_5678))
            writer.write(contentsOf: [9, 8])
            writer.writeZeros(3)
            #expect(writer.bytes == [0xAB, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 9, 8, 0, 0, 0])
        }

        @Test("no sequence of reads over any bytes moves the position past the end or refuses a read that fits")
        func randomReadsStayInBounds() async {
            await checkProperty(
                count: 2_000,
                input: Gen<UInt8>.value().array(of: 0...48), Gen<Int>.value(in: 0...12).array(of: 0...24)
            ) { bytes, reads in
                bytes.withUnsafeBytes { raw in
                    var reader = WireReader(raw)
                    for read in reads {
                        let width = read < 3 ? [1, 2, 4][read] : read - 3
                        let before = reader.position
                        let fits = width <= reader.remaining
                        let succeeded: Bool
                        do throws(WireError) {
                            switch read {
                            case 0: _ = try reader.readUInt8("f")
                            case 1: _ = try reader.readUInt16("f")
                            case 2: _ = try reader.readUInt32("f")
                            default: _ = try reader.readBytes(width, "f")
                            }
                            succeeded = true
                        } catch {
                            #expect(error == .truncated(field: "f", needed: width, available: bytes.count - before))
                            succeeded = false
                        }
                        #expect(succeeded == fits)
                        #expect(reader.position == before + (succeeded ? width : 0))
                        #expect(reader.position <= bytes.count)
                    }
                }
            }
        }

        @Test("readBytes with a negative count is refused, not a trap")
        func negativeReadIsRefused() async {
            await #expect(processExitsWith: .success) {
                readBytesWithANegativeCount()
            }
        }
    }
}
