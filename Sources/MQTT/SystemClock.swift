#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// Small wrappers over the clocks and thread identity, kept apart from the client logic.
enum SystemClock {
    /// Wall-clock seconds since the Unix epoch, for display only (the monotonic clock measures).
    static func epochSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }

    /// The kernel's id of the calling thread (what `/proc/self/task/<tid>` is named after).
    /// Read from `/proc/thread-self` because Glibc's `gettid` is not visible to Swift.
    static func currentThreadID() -> Int32? {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let text = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = text.lastIndex(of: "/") else { return nil }
        return Int32(text[text.index(after: slash)...])
    }

    /// `seconds` as the millisecond count `MonotonicInstant.adding(milliseconds:)` takes;
    /// negative or non-finite durations count as zero.
    static func milliseconds(_ seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return UInt64(min(seconds * 1000, 1e15))
    }
}
