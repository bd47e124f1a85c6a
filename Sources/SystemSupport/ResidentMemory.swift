#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The program's own part of its resident memory.
public enum ResidentMemory {
    /// Unmaps the resident pages of program code, the executable's and its libraries', so that
    /// what stays resident is the code the process goes on running, faulted back in as it runs
    /// it; returns the bytes of the mappings given back.
    ///
    /// A start-up touches far more code than a running daemon uses again (argument parsing,
    /// the settings, the discovery plan, and whatever the kernel maps around each fault), and
    /// those pages stay counted in its resident memory. Code pages are clean, read-only,
    /// file-backed pages of a private mapping, so `MADV_DONTNEED` only drops their page-table
    /// entries: the page cache keeps them, and touching one again is a minor fault. A mapping
    /// that holds anonymous pages (code written to, as by a debugger's breakpoint) is left alone,
    /// since dropping those would undo the write.
    @discardableResult
    public static func releaseCodePages() -> Int {
        var released = 0
        var current: (start: UInt, end: UInt)?
        var anonymous = -1
        func finish() {
            if let mapping = current, anonymous == 0,
               madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                released += Int(mapping.end - mapping.start)
            }
            current = nil
            anonymous = -1
        }
        for line in readFile("/proc/self/smaps").split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                finish()
                // "start-end perms offset dev inode path": file-backed code only.
                guard fields[1] == "r-xp", fields.count >= 6, fields[5].hasPrefix("/") else { continue }
                let bounds = range.split(separator: "-")
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) else { continue }
                current = (start, end)
            } else if current != nil, fields.first == "Anonymous:", fields.count >= 2 {
                anonymous = Int(fields[1]) ?? -1
            }
        }
        finish()
        return released
    }

    private static func readFile(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
