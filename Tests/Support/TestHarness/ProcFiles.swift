#if canImport(Glibc)
import Glibc
#endif
import BrokerProcess
import XousIPC
import SystemSupport

/// Whether the kernel thread `id` of this process still exists.
public func threadExists(_ id: Int32) -> Bool {
    access("/proc/self/task/\(id)", F_OK) == 0
}

/// The name of kernel thread `id` of this process (its `comm`), if it exists.
public func threadName(_ id: Int32) -> String? {
    guard let file = fopen("/proc/self/task/\(id)/comm", "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 32)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The IDs of this process's kernel threads.
public func threadIDs() -> [Int32] {
    directoryEntries("/proc/self/task").compactMap { Int32($0) }
}

/// Waits up to `timeout` seconds for the child `pid` to end: its exit status (128 + n when a
/// signal n ended it), or nil if it is still running.
public func waitForChild(_ pid: Int32, timeout: Double) -> Int32? {
    let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(max(0, timeout) * 1000))
    repeat {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        usleep(5000)
    } while MonotonicInstant.now < deadline
    return nil
}
