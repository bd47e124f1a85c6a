#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import SystemSupport

/// Wi-Fi events on their way from the main server to the control socket's watchers.
///
/// The main server must never wait on a socket client, so it does not message the socket
/// thread: it appends the event line to this bounded ring and pokes a pipe that the socket
/// thread polls. Nothing is appended while nobody watches, and the pipe is poked at most once
/// until the socket thread has looked, so the cost to the main server is one lock and at most
/// one `write` per update.
final class WatchFeed: Sendable {
    /// Events kept for watchers that have not read them yet; a watcher further behind is told
    /// how many it missed.
    static let capacity = 256

    struct Event {
        /// The update's `seq`.
        let seq: Int
        /// The whole event line, newline included.
        let line: [UInt8]
    }

    private let ring = Mutex(BoundedQueue<Event>(capacity: WatchFeed.capacity))
    private let watchers = Atomic<Int>(0)
    private let poked = Atomic<Bool>(false)
    /// The socket thread polls this end.
    let readFD: Int32
    private let writeFD: Int32

    init() throws(GatewayConfigurationError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw GatewayConfigurationError(key: "control.socket", message: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        readFD = fds[0]
        writeFD = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// True while at least one client watches.
    var hasWatchers: Bool { watchers.load(ordering: .relaxed) > 0 }

    /// The position the next event will get.
    var position: Int { ring.withLock { $0.nextPosition } }

    func addWatcher() { watchers.add(1, ordering: .relaxed) }
    func removeWatcher() { watchers.subtract(1, ordering: .relaxed) }

    /// Appends an event and wakes the socket thread.
    func post(seq: Int, line: [UInt8]) {
        ring.withLock { _ = $0.append(Event(seq: seq, line: line)) }
        poke()
    }

    /// Wakes the socket thread (also used to make it look at its stop flag).
    func poke() {
        guard !poked.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Called by the socket thread when the pipe is readable, before reading the ring.
    ///
    /// The pipe is emptied first and the flag cleared after. The other way round, a poke
    /// between the two wrote a byte that the draining then swallowed while its flag stayed
    /// set: no later post wrote again, and watchers heard nothing more, for good. Now a post
    /// that finds the flag still set is one whose event the ring read after this call sees
    /// (the exchange reads that post's own exchange, so its append is visible).
    func acknowledge() {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(readFD, &sink, sink.count) > 0 {}
        _ = poked.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// The events at `cursor` and after, and how many of those fell out of the ring.
    func events(from cursor: Int) -> (events: [Event], missed: Int, next: Int) {
        ring.withLock { ring in
            let (events, missed) = ring.elements(from: cursor)
            return (events, missed, ring.nextPosition)
        }
    }
}
