#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import enum TestHarness.ProcessWide
import Testing
import XousIPC
import SystemSupport

/// A gate that threads wait behind until the test opens it.
private final class Gate: Sendable {
    private let lock = ConditionLock()
    private let isOpen = Atomic<Bool>(false)

    func wait() {
        lock.withLock {
            while !isOpen.load(ordering: .acquiring) { lock.wait() }
        }
    }

    func open() {
        lock.withLock {
            isOpen.store(true, ordering: .releasing)
            lock.broadcast()
        }
    }
}

extension XousIPCSpec {
    /// `create_thread` / `join_thread`: servers run on real threads that are always joined.
    @Suite("Threads: OSThread and ThreadGroup")
    struct ThreadSpec {
        @Test("join returns only after the thread's body has run to its end")
        func joinWaitsForTheBody() throws {
            let done = Atomic<Int>(0)
            let thread = try OSThread(name: "worker") {
                usleep(50_000)
                done.store(42, ordering: .releasing)
            }
            thread.join()
            #expect(done.load(ordering: .acquiring) == 42)
        }

        @Test("joinAll waits for every thread of the group")
        func joinAllWaitsForAll() throws {
            let finished = Atomic<Int>(0)
            let group = ThreadGroup()
            for index in 0..<8 {
                try group.spawn("worker-\(index)") {
                    usleep(UInt32(10_000 * (8 - index)))
                    finished.add(1, ordering: .relaxed)
                }
            }
            group.joinAll()
            #expect(finished.load(ordering: .relaxed) == 8)
            // A second joinAll has nothing left to wait for.
            group.joinAll()
        }

        @Test("liveThreadCount counts 50 running threads and returns to its starting value once they are joined")
        func liveThreadCountReturnsToStart() throws {
            let hold = ProcessWide.hold()
            defer { hold.release() }
            guard let start = OSThread.liveThreadCount() else {
                Issue.record("no /proc/self/status")
                return
            }
            let gate = Gate()
            let group = ThreadGroup()
            defer {
                gate.open()
                group.joinAll()
            }
            for index in 0..<50 { try group.spawn("t\(index)", stackSize: 64 * 1024) { gate.wait() } }
            let running = OSThread.liveThreadCount() ?? 0
            #expect(running >= start + 50, "\(running) threads with 50 parked, from \(start)")

            gate.open()
            group.joinAll()
            // The kernel forgets a joined thread a moment after pthread_join returns.
            let settled = ProcessWide.expectWhenAlone("live threads") { eventually { (OSThread.liveThreadCount() ?? .max) <= start } }
            #expect(settled, "\(OSThread.liveThreadCount() ?? -1) threads after joining, from \(start)")
        }

        @Test("a kernel's name server thread ends with shutdown()")
        func shutdownJoinsTheNameServer() throws {
            let hold = ProcessWide.hold()
            defer { hold.release() }
            guard let start = OSThread.liveThreadCount() else {
                Issue.record("no /proc/self/status")
                return
            }
            let kernel = Kernel()
            #expect((OSThread.liveThreadCount() ?? 0) >= start + 1)
            kernel.shutdown()
            kernel.shutdown()
            let settled = ProcessWide.expectWhenAlone("live threads") { eventually { (OSThread.liveThreadCount() ?? .max) <= start } }
            #expect(settled, "\(OSThread.liveThreadCount() ?? -1) threads after shutdown, from \(start)")
        }
    }
}
