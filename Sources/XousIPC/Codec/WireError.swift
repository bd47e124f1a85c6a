/// Why bytes a peer sent were refused by a decoder. Decoders never trap: every read is
/// bounds-checked, every relative pointer must land inside the used bytes, and every tag and
/// length is range-checked; a refusal names the field and says why.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes ended before `field` could be read.
    case truncated(field: String, needed: Int, available: Int)
    /// The bytes went on after the value ended (a byte stream of a fixed layout).
    case trailingBytes(count: Int)
    /// `field` held a value outside its domain (an Option or enum tag, a bool).
    case invalidValue(field: String, value: UInt64)
    /// `field` is text but its bytes are not UTF-8.
    case invalidUTF8(field: String)
    /// `field` is longer than its type allows.
    case tooLong(field: String, maximum: Int, actual: Int)
    /// A relative pointer of `field` reaches `length` bytes at `start`, outside the `used` bytes.
    case outOfBounds(field: String, start: Int, length: Int, used: Int)
    /// The archive's root object would sit at `position`, which its alignment forbids: the
    /// used length is not one a serializer of this type writes.
    case misaligned(field: String, position: Int, alignment: Int)
    /// The value does not fit the buffer it was to be written into.
    case doesNotFit(needed: Int, capacity: Int)

    public var description: String {
        switch self {
        case let .truncated(field, needed, available):
            return "truncated at \(field): needs \(needed) bytes, \(available) there"
        case let .trailingBytes(count):
            return "\(count) unexpected bytes after the value"
        case let .invalidValue(field, value):
            return "invalid value \(value) for \(field)"
        case let .invalidUTF8(field):
            return "\(field) is not valid UTF-8"
        case let .tooLong(field, maximum, actual):
            return "\(field) is \(actual) bytes, at most \(maximum) allowed"
        case let .outOfBounds(field, start, length, used):
            return "\(field) points at \(length) bytes from \(start), outside the \(used) bytes in use"
        case let .misaligned(field, position, alignment):
            return "\(field) would start at \(position), not a multiple of its alignment \(alignment)"
        case let .doesNotFit(needed, capacity):
            return "value needs \(needed) bytes, buffer holds \(capacity)"
        }
    }
}
