#if canImport(Glibc)
import Glibc
#endif
import BrokerProcess
import SystemSupport
import XousIPC
public import Testing

/// Tests of facts about the whole OS process (heap in use, live threads, threads of a name).
///
/// `swift test` runs every suite in parallel in one process, where other tests allocate and
/// start threads all the time. So such a test runs its body in an OS process of its own: the
/// test bundle started again with a filter that selects this test alone (`isolated`). There the
/// figures are the test's own, and its expectations are always checked, whichever way the
/// tests are run.
public enum ProcessWide {
    /// Set in the environment of the process that runs one test alone: that test's id.
    static let variable = "GATEWAYD_ISOLATED_TEST"

    /// Runs `body` alone in a process of its own, and records what failed there as this
    /// test's issue (with the child's output). In that process (or outside Swift Testing) it
    /// just runs `body`.
    public static func isolated(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) throws {
        guard let test = Test.current else { return try body() }
        let id = "\(test.id)"
        if let running = getenv(variable), String(cString: running) == id { return try body() }
        // "Module.Suite/test()/File.swift:12:5": the filter (a regular expression, which
        // matches anywhere in a test's id) is the part before the file, escaped.
        let name = id.split(separator: "/").filter { !$0.contains(".swift:") }.joined(separator: "/")
        let filter = name.map { "\\^$.|?*+()[]{}".contains($0) ? "\\\($0)" : String($0) }.joined()
        let directory = TemporaryDirectory(prefix: "isolated-test")
        let output = directory.path + "/output"
        let environment = ProcessEnvironment.current().merging([variable: id]) { $1 }
        let pid = try MosquittoBroker.spawn(
            ["/proc/self/exe", "--testing-library", "swift-testing", "--filter", filter], output: output, environment: environment)
        let status = waitForChild(pid, timeout: 600)
        let text = readTextFile(output)
        if status == nil { _ = kill(pid, SIGKILL); _ = waitForChild(pid, timeout: 5) }
        // One test ran there and passed; anything else is this test's failure.
        guard status == 0, text.contains("Test run with 1 test"), !text.contains("Test run with 1 test in 0 suites") else {
            Issue.record(
                "run alone (\(filter)), it \(status.map { "exited with status \($0)" } ?? "did not end in 600 s"):\n\(text.suffix(6000))",
                sourceLocation: sourceLocation)
            return
        }
    }

    private static let lock = ConditionLock()

    /// A held lock; release it once (copyable, so that a `defer` may release it in a test
    /// whose expectations capture the scope).
    public struct Hold: Sendable {
        fileprivate init() {}
        public func release() { ProcessWide.lock.unlock() }
    }

    /// Waits for the lock that keeps the heaviest tests (the hosted-mode sets: child processes,
    /// sockets, dozens of threads) from running beside each other, and holds it.
    public static func hold() -> Hold {
        lock.lock()
        return Hold()
    }
}
