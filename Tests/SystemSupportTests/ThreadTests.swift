#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import TestHarness
import Testing
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

/// What the Xous model's `create_thread` / `join_thread` run on: real threads, always joined.
@Suite("Threads: OSThread and ThreadGroup", .serialized)
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
        try ProcessWide.isolated {
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
            let settled = eventually { (OSThread.liveThreadCount() ?? .max) <= start }
            #expect(settled, "\(OSThread.liveThreadCount() ?? -1) threads after joining, from \(start)")
        }
    }
}
