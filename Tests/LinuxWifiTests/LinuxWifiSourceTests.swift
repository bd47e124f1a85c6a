#if canImport(Glibc)
import Glibc
#endif
import LinuxWifi
import Logging
import NetServer
import TestHarness
import Testing
import XousIPC
import SystemSupport

/// A private network namespace for one test: a thread moved into a fresh network and mount
/// namespace, with its own sysfs and a `proc/net` that follows the thread's namespace, laid
/// out under `root` for `SystemFiles`. Interfaces made there vanish with it, so the test
/// never touches the machine's own network.
final class NetworkSandbox: @unchecked Sendable {
    let root: String

    /// Why a sandbox cannot be made here, or nil when it can (root, unshare and `ip` allowed).
    static let unavailableReason: String? = {
        guard getuid() == 0 else { return "needs root to create a network namespace (running as uid \(getuid()))" }
        guard MosquittoBroker.findExecutable("ip", preferring: "/usr/sbin/ip") != nil
            || MosquittoBroker.findExecutable("ip", preferring: "/sbin/ip") != nil else {
            return "needs the ip command (Debian: apt-get install iproute2)"
        }
        guard (try? MosquittoBroker.run(["/usr/bin/unshare", "--net", "--mount", "true"], output: "/dev/null")) != nil else {
            return "this machine does not allow new network namespaces (unshare --net failed)"
        }
        return nil
    }()

    private init(root: String) { self.root = root }

    /// Runs `body` on a thread inside a new sandbox; returns once `body` and the cleanup are done.
    static func run(_ body: @escaping @Sendable (NetworkSandbox) throws -> Void) throws {
        var template = Array("/tmp/gatewayd-netns-XXXXXX".utf8CString)
        let root = String(cString: mkdtemp(&template)!)
        defer { _ = system("rm -rf '\(root)'") }
        let sandbox = NetworkSandbox(root: root)
        let failure = Failure()
        let thread = try OSThread(name: "netns-test") {
            do {
                try sandbox.enter()
                defer { sandbox.leave() }
                try body(sandbox)
            } catch {
                failure.set("\(error)")
            }
        }
        thread.join()
        if let message = failure.message { throw MosquittoBroker.Failure(description: message) }
    }

    /// Runs `ip arguments…` in the sandbox (the child inherits this thread's namespaces).
    func ip(_ arguments: String) throws {
        let ip = MosquittoBroker.findExecutable("ip", preferring: "/usr/sbin/ip") ?? "/sbin/ip"
        try MosquittoBroker.run([ip] + arguments.split(separator: " ").map(String.init), output: root + "/ip.log")
    }

    private func enter() throws {
        typealias Unshare = @convention(c) (Int32) -> Int32
        typealias Mount = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UInt, UnsafeRawPointer?) -> Int32
        guard let unshareSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare"),
              let mountSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mount") else {
            throw MosquittoBroker.Failure(description: "unshare or mount not found in libc")
        }
        let unshare = unsafeBitCast(unshareSymbol, to: Unshare.self)
        let mount = unsafeBitCast(mountSymbol, to: Mount.self)
        let newNetwork: Int32 = 0x4000_0000, newMounts: Int32 = 0x0002_0000
        guard unshare(newNetwork | newMounts) == 0 else {
            throw MosquittoBroker.Failure(description: "unshare: \(String(cString: strerror(errno)))")
        }
        // Private, so nothing mounted here shows up on the machine.
        let recursivePrivate: UInt = 0x4000 | 0x40000  // MS_REC | MS_PRIVATE
        guard mount(nil, "/", nil, recursivePrivate, nil) == 0 else {
            throw MosquittoBroker.Failure(description: "making mounts private: \(String(cString: strerror(errno)))")
        }
        mkdir(root + "/sys", 0o755)
        // A sysfs mounted from inside the namespace lists that namespace's interfaces.
        guard mount("sysfs", root + "/sys", "sysfs", 0, nil) == 0 else {
            throw MosquittoBroker.Failure(description: "mounting sysfs: \(String(cString: strerror(errno)))")
        }
        mkdir(root + "/proc", 0o755)
        // /proc/net follows the reading *process*; thread-self follows the reading thread.
        symlink("/proc/thread-self/net", root + "/proc/net")
        mkdir(root + "/etc", 0o755)
        let resolv = fopen(root + "/etc/resolv.conf", "w")!
        fputs("nameserver 10.123.0.53\n", resolv)
        fclose(resolv)
        try ip("link set lo up")
    }

    private func leave() {
        typealias Umount = @convention(c) (UnsafePointer<CChar>?, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "umount2") {
            _ = unsafeBitCast(symbol, to: Umount.self)(root + "/sys", 2)  // MNT_DETACH
        }
    }

    private final class Failure: @unchecked Sendable {
        private let lock = ConditionLock()
        private var text: String?
        func set(_ message: String) { lock.withLock { text = message } }
        var message: String? { lock.withLock { text } }
    }
}

/// Every status a source emitted, in order.
final class StatusLog: @unchecked Sendable {
    private let lock = ConditionLock()
    private var items: [WlanStatus] = []

    func append(_ status: WlanStatus) {
        lock.withLock {
            items.append(status)
            lock.broadcast()
        }
    }

    var statuses: [WlanStatus] { lock.withLock { items } }

    /// Waits until some status satisfies `predicate`.
    func wait(timeout: Double = 5, for predicate: (WlanStatus) -> Bool) -> Bool {
        eventually(timeout: timeout) { statuses.contains(where: predicate) }
    }
}

/// An expectation for code that runs on another thread: Swift Testing would record a failed
/// `#expect` there against no test, so this throws, and the sandbox hands the error back.
func check(_ condition: Bool, _ message: @autoclosure () -> String = "", line: Int = #line) throws {
    guard condition else { throw MosquittoBroker.Failure(description: "line \(line): \(message())") }
}

@Suite("The Linux Wi-Fi source on this machine's kernel", .serialized)
struct LinuxWifiSourceTests {
    let logger = Logger(label: "wifi-test")

    @Test("the loopback interface: present, not wireless, so unknown, with its address")
    func loopback() throws {
        let log = StatusLog()
        let source = LinuxWifiSource(options: .init(interface: "lo"), logger: logger)
        try source.start { log.append($0) }
        defer { source.stop() }
        #expect(log.wait { _ in true })
        let status = try #require(log.statuses.first)
        #expect(status.linkState == .unknown)
        #expect(status.ssid == nil)
        #expect(status.ipv4.addr == IPv4Address(127, 0, 0, 1))
        #expect(status.ipv4.mask == IPv4Address(255, 0, 0, 0))
        #expect(status.ipv4.dhcp == .bound)
    }

    @Test("a missing interface is unknown, and stop ends the thread")
    func missingInterface() throws {
        try ProcessWide.isolated {
            let before = threadIDs().count
            let log = StatusLog()
            let source = LinuxWifiSource(options: .init(interface: "gwnone0"), logger: logger)
            try source.start { log.append($0) }
            #expect(log.wait { $0 == WlanStatus(ssid: nil, linkState: .unknown, ipv4: .default) })
            source.stop()
            source.stop()
            #expect(eventually { threadIDs().count == before })
        }
    }

    @Test("it starts once: a second start, or a start after stop, is refused as every source refuses it")
    func startsOnce() throws {
        let source = LinuxWifiSource(options: .init(interface: "gwnone1"), logger: logger)
        try source.start { _ in }
        #expect(throws: WifiSourceError.alreadyStarted(source: "linux")) { try source.start { _ in } }
        source.stop()
        #expect(throws: WifiSourceError.stopped(source: "linux")) { try source.start { _ in } }
        let never = LinuxWifiSource(options: .init(interface: "gwnone1"), logger: logger)
        never.stop()
        #expect(throws: WifiSourceError.stopped(source: "linux")) { try never.start { _ in } }
    }

    @Test("creating the interface, adding and removing an address, deleting it: each arrives as a push",
          .enabled(if: NetworkSandbox.unavailableReason == nil, "\(NetworkSandbox.unavailableReason ?? "")"))
    func pushes() throws {
        try ProcessWide.isolated {
            let logger = logger
            try NetworkSandbox.run { sandbox in try Self.pushScenario(sandbox, logger: logger) }
        }
    }

    static func pushScenario(_ sandbox: NetworkSandbox, logger: Logger) throws {
            let log = StatusLog()
            // A long signal interval: every change below must come from a push, not a poll.
            let source = LinuxWifiSource(options: .init(interface: "gwtest0", signalIntervalMs: 3_600_000, root: sandbox.root), logger: logger)
            try source.start { log.append($0) }
            defer { source.stop() }
            guard log.wait(for: { $0.ipv4.mac == .zero && $0.linkState == .unknown }) else {
                throw MosquittoBroker.Failure(description: "no first status: \(log.statuses)")
            }
            try sandbox.ip("tuntap add dev gwtest0 mode tap")
            try sandbox.ip("link set gwtest0 address 02:00:5e:12:34:56")
            let mac = MACAddress(0x02, 0x00, 0x5e, 0x12, 0x34, 0x56)
            try check(log.wait(timeout: 2) { $0.ipv4.mac == mac }, "the new interface was not seen: \(log.statuses)")
            try sandbox.ip("addr add 10.123.0.7/20 dev gwtest0")
            try check(log.wait(timeout: 2) {
                $0.ipv4.addr == IPv4Address(10, 123, 0, 7) && $0.ipv4.mask == IPv4Address(255, 255, 240, 0) && $0.ipv4.dhcp == .bound
                    && $0.ipv4.dns1 == IPv4Address(10, 123, 0, 53)
            }, "the address was not pushed: \(log.statuses)")
            // Not wireless: the link state stays unknown however the interface changes.
            try check(log.statuses.allSatisfy { $0.linkState == .unknown })
            try sandbox.ip("addr del 10.123.0.7/20 dev gwtest0")
            try check(log.wait(timeout: 2) { $0.ipv4.mac == mac && $0.ipv4.addr == .zero && $0.ipv4.dhcp == .halted })
            let count = log.statuses.count
            try sandbox.ip("link del gwtest0")
            try check(log.wait(timeout: 2) { _ in log.statuses.count > count && log.statuses.last?.ipv4.mac == .zero })
            // Nothing changes, nothing is pushed, and the source's thread does not even wake up.
            let settled = log.statuses.count
            let thread = threadIDs().first { threadName($0) == "wifi-linux" }
            let wakeUps = { thread.flatMap { contextSwitches(ofThread: $0) } }
            let before = wakeUps()
            pause(0.5)
            try check(log.statuses.count == settled)
            try check(before != nil && wakeUps() == before, "the idle source thread woke up: \(String(describing: before)) → \(String(describing: wakeUps()))")
    }
}
