#if canImport(Glibc)
import Glibc
#endif
@testable import Gateway
import Testing
import Synchronization
import XousIPC
import SystemSupport

/// The pipe between the main server and the control socket's thread must never lose a wake-up:
/// a lost one left `gatewayctl watch` silent for good while updates kept coming (found by
/// `ControlSocketTests`' stuck watcher, about one run in five).
@Suite struct WatchFeedTests {
    @Test("a reader that waits on the pipe sees every burst's last event, 30,000 bursts against a fast poster")
    func noWakeUpIsLost() throws {
        let feed = try WatchFeed()
        feed.addWatcher()
        let bursts = 30_000
        let seen = Atomic<Int>(0)
        // The socket thread's cycle: wait for the pipe, acknowledge, read the ring.
        let reader = try OSThread(name: "feed-reader") {
            var cursor = 0
            var descriptor = pollfd(fd: feed.readFD, events: Int16(POLLIN), revents: 0)
            while seen.load(ordering: .relaxed) < bursts {
                // A lost wake-up shows as a wait that never ends; 2 s stands for forever here.
                guard poll(&descriptor, 1, 2_000) > 0 else { return }
                feed.acknowledge()
                let (events, _, next) = feed.events(from: cursor)
                cursor = next
                if let last = events.last { seen.store(last.seq, ordering: .relaxed) }
            }
        }
        var lost = false
        for burst in 1...bursts {
            // A few events close together, then wait for the reader to see the last: each
            // burst starts while the reader may be anywhere in its cycle.
            for _ in 0..<Int.random(in: 1...3) { feed.post(seq: burst, line: [UInt8(ascii: "\n")]) }
            let deadline = MonotonicInstant.now.adding(milliseconds: 2_000)
            while seen.load(ordering: .relaxed) < burst {
                if MonotonicInstant.now >= deadline { lost = true; break }
                sched_yield()
            }
            if lost {
                Issue.record("the reader never saw burst \(burst): a wake-up was lost")
                break
            }
        }
        if lost { feed.poke() }
        reader.join()
    }
}
