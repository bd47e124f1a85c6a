#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A joinable OS thread, named (what `top -H` shows), with the stack size its owner asks for.
///
/// Servers in Xous are threads parked in `receive_message`; the Xous model runs each on one of
/// these (its `create_thread` / `join_thread`), and so do the other modules' threads. They are
/// joined, never left behind, so that a test can prove that nothing outlives its owner.
public struct OSThread: ~Copyable, Sendable {
    /// The system refused a new thread (its limit of threads or memory).
    public struct Unavailable: Error, Hashable, Sendable {}

    private let handle: pthread_t
    /// Retained by this handle, released when it is joined, detached or dropped (an Unmanaged
    /// reference, because `discard` needs trivially destroyed stored properties).
    private let finished: Unmanaged<ThreadFinished>

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept by Linux).
    ///
    /// - Parameter stackSize: bytes of stack; servers need little, and a small stack keeps
    ///   the virtual size of a process with many subscribers modest.
    /// - Throws: `Unavailable` when the system refuses a new thread.
    public init(name: String, stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) throws(Unavailable) {
        let finished = ThreadFinished()
        let box = Unmanaged.passRetained(ThreadStart(name: name, body: body, finished: finished)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, max(stackSize, Int(PTHREAD_STACK_MIN)))
        defer { pthread_attr_destroy(&attributes) }
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { raw in
            let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
            nameCurrentThread(start.name)
            start.body()
            start.finished.mark()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<ThreadStart>.fromOpaque(box).release()
            throw Unavailable()
        }
        handle = thread
        self.finished = Unmanaged.passRetained(finished)
    }

    /// Waits for the thread to finish. Consuming: a thread is joined exactly once.
    public consuming func join() {
        let handle = self.handle
        let finished = self.finished
        discard self
        pthread_join(handle, nil)
        finished.release()
    }

    /// Waits at most `milliseconds` for the thread to finish; returns true when it did. A
    /// thread still running then is detached and runs on unjoined (false).
    public consuming func join(orDetachAfterMilliseconds milliseconds: UInt64) -> Bool {
        let handle = self.handle
        let finished = self.finished
        let done = finished.takeUnretainedValue().wait(until: MonotonicInstant.now.adding(milliseconds: milliseconds))
        discard self
        finished.release()
        if done {
            pthread_join(handle, nil)
        } else {
            pthread_detach(handle)
        }
        return done
    }

    deinit {
        // A handle dropped without `join` is a leak of the owner's making; joining here keeps
        // the process's thread count honest rather than leaving a zombie thread record.
        pthread_join(handle, nil)
        finished.release()
    }

    /// Threads alive in this OS process, read from `/proc/self/status` (`Threads:`); nil where
    /// that file does not exist.
    public static func liveThreadCount() -> Int? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("Threads:") {
                return Int(text.dropFirst("Threads:".count).filter { !$0.isWhitespace })
            }
        }
        return nil
    }
}

/// Names the calling thread (what `top -H` and `/proc/<pid>/task/*/comm` show), so that a
/// server thread can be told apart when measuring wake-ups per thread.
private func nameCurrentThread(_ name: String) {
    guard let file = fopen("/proc/thread-self/comm", "w") else { return }
    defer { fclose(file) }
    _ = fputs(name, file)
}

private final class ThreadStart: Sendable {
    let name: String
    let body: @Sendable () -> Void
    let finished: ThreadFinished
    init(name: String, body: @escaping @Sendable () -> Void, finished: ThreadFinished) {
        self.name = String(name.utf8.prefix(15)) ?? "thread"
        self.body = body
        self.finished = finished
    }
}

/// Set when a thread's body has returned, for a join that gives up after a while.
private final class ThreadFinished: @unchecked Sendable {
    private let lock = ConditionLock()
    private var done = false

    func mark() {
        lock.withLock {
            done = true
            lock.broadcast()
        }
    }

    /// Waits until the body returned or `deadline` passed; true when it returned.
    func wait(until deadline: MonotonicInstant) -> Bool {
        lock.withLock {
            while !done {
                if !lock.wait(until: deadline) { return done }
            }
            return true
        }
    }
}

/// Threads started together and joined together, for owners that start a few server threads
/// and must join all of them when they stop.
public final class ThreadGroup: @unchecked Sendable {
    private final class Slot { var thread: OSThread?; init(_ thread: consuming OSThread) { self.thread = .some(thread) } }
    private let lock = ConditionLock()
    private var slots: [Slot] = []

    /// An empty group.
    public init() {}

    /// Starts `body` on a new thread that belongs to this group.
    public func spawn(_ name: String, stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) throws(OSThread.Unavailable) {
        let slot = Slot(try OSThread(name: name, stackSize: stackSize, body))
        lock.withLock { slots.append(slot) }
    }

    /// Joins every thread started so far, in start order.
    public func joinAll() {
        let taken = lock.withLock { () -> [Slot] in
            defer { slots.removeAll() }
            return slots
        }
        for slot in taken { slot.thread.take()?.join() }
    }
}

extension OSThread {
    /// Lets the thread run on unjoined, for a thread that lives as long as the OS process (a
    /// signal waiter): its resources go back to the system when it ends.
    public consuming func detach() {
        let handle = self.handle
        let finished = self.finished
        discard self
        pthread_detach(handle)
        finished.release()
    }
}

/// Which OS thread is running, to tell "the calling thread is the one that …" (a callback that
/// must not wait for itself) without keeping a thread handle.
public struct ThreadIdentity: Sendable {
    private let thread: pthread_t

    /// The calling thread.
    public static var current: ThreadIdentity { ThreadIdentity(thread: pthread_self()) }

    /// Whether this is the calling thread.
    public var isCurrent: Bool { pthread_equal(thread, pthread_self()) != 0 }
}
