import PropertyBased
import XousIPC

/// The small value the memory tests send: a sensor reading with a fixed little-endian layout.
///
///     u8  sensor
///     u8  unit          0...3
///     u16 flags
///     u32 value
///     u8  label length  0...24
///     ... label         UTF-8, exactly `label length` bytes
///
/// Its decoder is strict, so that exactly one byte sequence encodes each value.
struct Reading: WireCodable, Equatable, CustomStringConvertible {
    static let maxLabelBytes = 24

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

    func encode(to writer: inout WireWriter) {
        writer.write(sensor)
        writer.write(unit)
        writer.write(flags)
        writer.write(value)
        writer.write(UInt8(label.utf8.count))
        writer.write(contentsOf: label.utf8)
    }

    init(from reader: inout WireReader) throws(WireError) {
        sensor = try reader.readUInt8("sensor")
        unit = try reader.readUInt8("unit")
        guard unit <= 3 else { throw .invalidValue(field: "unit", value: UInt64(unit)) }
        flags = try reader.readUInt16("flags")
        value = try reader.readUInt32("value")
        let length = Int(try reader.readUInt8("label.length"))
        guard length <= Self.maxLabelBytes else {
            throw .tooLong(field: "label", maximum: Self.maxLabelBytes, actual: length)
        }
        let bytes = try reader.readBytes(length, "label")
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(field: "label") }
        label = text
    }

    var description: String { "Reading(\(sensor), \(unit), \(flags), \(value), \"\(label)\")" }
}

/// Opaque bytes behind a `u32` length: a value as large as a test needs (several pages).
struct Blob: WireCodable, Equatable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// `count` bytes of a recognisable pattern.
    init(patternOf count: Int) { bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    func encode(to writer: inout WireWriter) {
        writer.write(UInt32(bytes.count))
        writer.write(contentsOf: bytes)
    }

    init(from reader: inout WireReader) throws(WireError) {
        let count = Int(try reader.readUInt32("blob.length"))
        bytes = Array(try reader.readBytes(count, "blob"))
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
