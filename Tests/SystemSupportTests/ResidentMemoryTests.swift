#if canImport(Glibc)
import Glibc
#endif
import SystemSupport
import TestHarness
import Testing

@Suite("Giving back resident code pages")
struct ResidentMemoryTests {
    /// A field of /proc/self/status, in kB.
    func status(_ label: String) -> Int {
        for line in readTextFile("/proc/self/status").split(separator: "\n") where line.hasPrefix(label) {
            return Int(line.dropFirst(label.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? -1
        }
        return -1
    }

    @Test("resident file-backed memory falls, and the code keeps running from the page cache")
    func releasesCode() throws {
        try ProcessWide.isolated {
            let before = status("RssFile:")
            let released = ResidentMemory.releaseCodePages()
            let after = status("RssFile:")
            #expect(released > 0)
            #expect(after < before, "RssFile \(before) kB before, \(after) kB after")
            // Code that ran before runs again: its pages come back on the first touch.
            var queue = BoundedQueue<Int>(capacity: 4)
            #expect(queue.append(1) == nil && queue.popFirst() == 1)
            #expect(status("RssFile:") > after)
        }
    }

    @Test("a code mapping that was written to (as by a debugger) keeps its writes")
    func leavesWrittenCodeAlone() throws {
        try ProcessWide.isolated {
            // A private, executable mapping of a file, one byte of it written.
            let path = "/tmp/gatewayd-resident-\(getpid())"
            let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
            #expect(descriptor >= 0)
            defer {
                close(descriptor)
                unlink(path)
            }
            let size = Int(sysconf(Int32(_SC_PAGESIZE)))
            #expect(ftruncate(descriptor, off_t(size)) == 0)
            guard let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
                Issue.record("mmap failed: \(errno)")
                return
            }
            defer { munmap(mapping, size) }
            mapping.storeBytes(of: 0xC3, as: UInt8.self)
            #expect(mprotect(mapping, size, PROT_READ | PROT_EXEC) == 0)
            ResidentMemory.releaseCodePages()
            #expect(mapping.load(as: UInt8.self) == 0xC3, "the written page was dropped and read back from the file")
        }
    }
}
