import Testing
import XousIPC

extension XousIPCSpec {
    /// `xous-ipc`'s `Buffer`: memory messages carry whole pages; `used` says how much holds the value.
    @Suite("Buffer: whole 4096-byte pages")
    struct BufferSpec {
        @Test("a Buffer holds whole 4096-byte pages, at least one, zeroed, with nothing in use",
              arguments: zip([0, 1, 4_095, 4_096, 4_097, 8_192, 10_000, -5], [4_096, 4_096, 4_096, 4_096, 8_192, 8_192, 12_288, 4_096]))
        func wholePages(byteCount: Int, capacity: Int) {
            let buffer = Buffer(byteCount: byteCount)
            #expect(Buffer.pageSize == 4_096)
            #expect(buffer.capacity == capacity)
            #expect(buffer.capacity % Buffer.pageSize == 0)
            #expect(buffer.used == 0)
            let zeroed = buffer.withUnsafeBytes { $0.count == capacity && $0.allSatisfy { $0 == 0 } }
            #expect(zeroed)
        }

        @Test("a default Buffer is one page")
        func defaultIsOnePage() {
            #expect(Buffer().capacity == 4_096)
            #expect(Buffer().used == 0)
        }

        @Test("Buffer(encoding:) puts the value's archive first, the root last, and sets used to its length")
        func encodingFillsThePage() throws {
            let encoded = Reading.sample.encoded()
            let buffer = Buffer(encoding: Reading.sample)
            // "boiler °C" is 10 bytes: out of line, then two bytes of padding, then the root.
            #expect(encoded.count == 10 + 2 + 16)
            #expect(Array(encoded.prefix(10)) == Array("boiler °C".utf8))
            #expect(buffer.used == encoded.count)
            #expect(buffer.capacity == 4_096)
            let prefix = buffer.withUnsafeBytes { Array($0.prefix(encoded.count + 4)) }
            #expect(prefix == encoded + [0, 0, 0, 0])
            let decoded = try buffer.decode(Reading.self)
            #expect(decoded == Reading.sample)
        }

        /// A value whose archive is empty (a unit struct).
        struct Nothing: Archivable, Equatable {
            init() {}
            static var archivedLayout: ArchivedLayout { ArchivedLayout(size: 0, alignment: 1) }
            func archive(at position: Int, into writer: inout ArchiveWriter) {}
            init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {}
        }

        @Test("a value that encodes to no bytes still gets one page, with nothing in use")
        func emptyValue() throws {
            let buffer = Buffer(encoding: Nothing())
            #expect(buffer.capacity == 4_096)
            #expect(buffer.used == 0)
            let decoded = try buffer.decode(Nothing.self)
            #expect(decoded == Nothing())
        }

        @Test("a value larger than a page gets as many whole pages as it needs")
        func multiPageValue() throws {
            let blob = Blob(patternOf: 5_000)
            let buffer = Buffer(encoding: blob)
            // The bytes out of line, then the 8-byte vector (its pointer and length) as the root.
            #expect(buffer.used == 5_008)
            #expect(buffer.capacity == 8_192)
            let decoded = try buffer.decode(Blob.self)
            #expect(decoded == blob)
        }

        @Test("replace re-encodes into the same pages, and refuses a value that does not fit")
        func replace() throws {
            var buffer = Buffer(encoding: Reading.sample)
            let longer = Reading(sensor: 1, unit: 3, flags: 0, value: 1, label: "twenty-four bytes, exact")
            try buffer.replace(encoding: longer)
            #expect(buffer.used == longer.encoded().count)
            let decoded = try buffer.decode(Reading.self)
            #expect(decoded == longer)

            #expect(throws: WireError.doesNotFit(needed: 4_104, capacity: 4_096)) {
                try buffer.replace(encoding: Blob(patternOf: 4_096))
            }
            #expect(buffer.used == longer.encoded().count)
            let kept = try buffer.decode(Reading.self)
            #expect(kept == longer)
        }
    }
}
