#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time for payloads, without Foundation.
public struct WallClockTime: Sendable, Hashable {
    /// Milliseconds since the Unix epoch.
    public let millisecondsSinceEpoch: Int64

    /// A time from milliseconds since the epoch.
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// Now.
    public static var now: WallClockTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallClockTime(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// ISO 8601 in UTC with milliseconds, as in `"2026-11-24T12:00:00.123Z"`.
    public var iso8601: String {
        // Floor division, so that a time before 1970 still has milliseconds 0...999.
        let wholeSeconds = millisecondsSinceEpoch >= 0 || millisecondsSinceEpoch % 1000 == 0
            ? millisecondsSinceEpoch / 1000 : millisecondsSinceEpoch / 1000 - 1
        let milliseconds = Int(millisecondsSinceEpoch - wholeSeconds * 1000)
        var seconds = time_t(wholeSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written in place (it is in every Wi-Fi update's payload): one allocation, no
        // intermediate strings. 32 bytes hold any year time_t can reach.
        return String(unsafeUninitializedCapacity: 32) { buffer in
            var count = 0
            func put(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            func put(_ value: Int, width: Int) {
                if value < 0 { put(UInt8(ascii: "-")) }
                var length = 1
                var power: UInt = 10
                while length < 20, value.magnitude >= power {
                    length += 1
                    power = power &* 10
                }
                length = max(length, width)
                var rest = value.magnitude
                for position in stride(from: count + length - 1, through: count, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                count += length
            }
            put(Int(parts.tm_year) + 1900, width: 4)
            put(UInt8(ascii: "-"))
            put(Int(parts.tm_mon) + 1, width: 2)
            put(UInt8(ascii: "-"))
            put(Int(parts.tm_mday), width: 2)
            put(UInt8(ascii: "T"))
            put(Int(parts.tm_hour), width: 2)
            put(UInt8(ascii: ":"))
            put(Int(parts.tm_min), width: 2)
            put(UInt8(ascii: ":"))
            put(Int(parts.tm_sec), width: 2)
            put(UInt8(ascii: "."))
            put(milliseconds, width: 3)
            put(UInt8(ascii: "Z"))
            return count
        }
    }
}
