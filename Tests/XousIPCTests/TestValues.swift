import PropertyBased
import XousIPC

/// The small value the memory tests send: a sensor reading, archived as rkyv would archive
///
///     struct Reading { sensor: u8, unit: u8, flags: u16, value: u32, label: String }
///
/// (16 bytes of root, the label inline up to 8 bytes and out of line beyond). Its decoder also
/// refuses a unit above 3 and a label over 24 bytes.
struct Reading: Archivable, Equatable, CustomStringConvertible {
    static let maxLabelBytes = 24
    private static let fields = ArchivedStruct(
        UInt8.archivedLayout, UInt8.archivedLayout, UInt16.archivedLayout, UInt32.archivedLayout, String.archivedLayout)

    var sensor: UInt8
    var unit: UInt8
    var flags: UInt16
    var value: UInt32
    var label: String

    init(sensor: UInt8, unit: UInt8, flags: UInt16, value: UInt32, label: String) {
        precondition(unit <= 3 && label.utf8.count <= Self.maxLabelBytes, "not a valid Reading")
        self.sensor = sensor
        self.unit = unit
        self.flags = flags
        self.value = value
        self.label = label
    }

    /// The reading most tests send.
    static let sample = Reading(sensor: 7, unit: 2, flags: 0xA55A, value: 0xC0FF_EE01, label: "boiler °C")

    static var archivedLayout: ArchivedLayout { fields.layout }

    func archiveOutOfLine(into writer: inout ArchiveWriter) { label.archiveOutOfLine(into: &writer) }

    func archive(at position: Int, into writer: inout ArchiveWriter) {
        let offsets = Self.fields.offsets
        sensor.archive(at: position + offsets[0], into: &writer)
        unit.archive(at: position + offsets[1], into: &writer)
        flags.archive(at: position + offsets[2], into: &writer)
        value.archive(at: position + offsets[3], into: &writer)
        label.archive(at: position + offsets[4], into: &writer)
    }

    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        let offsets = Self.fields.offsets
        sensor = try UInt8(archivedAt: position + offsets[0], in: reader)
        unit = try UInt8(archivedAt: position + offsets[1], in: reader)
        guard unit <= 3 else { throw .invalidValue(field: "unit", value: UInt64(unit)) }
        flags = try UInt16(archivedAt: position + offsets[2], in: reader)
        value = try UInt32(archivedAt: position + offsets[3], in: reader)
        label = try String(archivedAt: position + offsets[4], in: reader, maxBytes: Self.maxLabelBytes, field: "label")
    }

    var description: String { "Reading(\(sensor), \(unit), \(flags), \(value), \"\(label)\")" }
}

/// Opaque bytes, archived as a `Vec<u8>`: a value as large as a test needs (several pages).
struct Blob: Archivable, Equatable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// `count` bytes of a recognisable pattern.
    init(patternOf count: Int) { bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    static var archivedLayout: ArchivedLayout { [UInt8].archivedLayout }
    func archiveOutOfLine(into writer: inout ArchiveWriter) { bytes.archiveOutOfLine(into: &writer) }
    func archive(at position: Int, into writer: inout ArchiveWriter) { bytes.archive(at: position, into: &writer) }
    init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        bytes = try [UInt8](archivedAt: position, in: reader)
    }
}

/// Random values for property checks.
enum TestGen {
    /// Any Unicode text of at most `Reading.maxLabelBytes` UTF-8 bytes, mixing 1- to 4-byte scalars.
    static let label = Gen<UInt32>.value(in: 0...0x10FFFF).compactMap(Unicode.Scalar.init)
        .array(of: 0...12)
        .map { scalars in
            var text = ""
            for scalar in scalars where text.utf8.count + String(scalar).utf8.count <= Reading.maxLabelBytes {
                text.unicodeScalars.append(scalar)
            }
            return text
        }

    static let reading = zip(
        Gen<UInt8>.value(), Gen<UInt8>.value(in: 0...3), Gen<UInt16>.value(), Gen<UInt32>.value(), label
    ).map { Reading(sensor: $0.0, unit: $0.1, flags: $0.2, value: $0.3, label: $0.4) }

    static let sidWords = Gen<UInt32>.value().array(of: 4)
}
