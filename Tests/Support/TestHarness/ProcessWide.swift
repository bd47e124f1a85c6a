import XousIPC
import SystemSupport

/// A lock for tests that measure the whole OS process (heap in use, live threads) and for the
/// tests that disturb such a measurement most (the hosted-mode sets: child processes, sockets
/// and dozens of threads), so that `swift test`, which runs suites in parallel in one process,
/// runs them apart. Hold it for the whole test: `let hold = ProcessWide.hold(); defer { hold.release() }`.
public enum ProcessWide {
    private static let lock = ConditionLock()

    /// A held lock; release it once (copyable, so that a `defer` may release it in a test
    /// whose expectations capture the scope).
    public struct Hold: Sendable {
        fileprivate init() {}
        public func release() { ProcessWide.lock.unlock() }
    }

    /// True when the tests run one at a time (`swift test --no-parallel`, as `scripts/test` and
    /// CI run them): only then is a figure of the whole process (heap in use, live threads)
    /// this test's own. In parallel every other suite allocates and starts threads meanwhile, so
    /// such an expectation is checked only when alone, and says so otherwise.
    public static let isAlone = CommandLine.arguments.contains("--no-parallel")

    /// Checks a process-wide `condition` when the tests run alone; otherwise prints that it was
    /// not checked, and why.
    public static func expectWhenAlone(_ what: String, _ condition: () -> Bool) -> Bool {
        guard isAlone else {
            print("\(what): not checked, other tests run in parallel in this process (scripts/test checks it)")
            return true
        }
        return condition()
    }

    /// Waits for the lock and holds it.
    public static func hold() -> Hold {
        lock.lock()
        return Hold()
    }
}
