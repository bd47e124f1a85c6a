public import Glibc

/// A real mosquitto broker on a free loopback port, run as a child process for integration tests.
///
/// Needs only Glibc (and `TextFiles.swift` beside it), so executables can use it too. It writes a minimal
/// configuration (`listener <port> 127.0.0.1`, `allow_anonymous true`, `persistence false`,
/// plus any extra lines) into a fresh temporary directory, starts `mosquitto -c <conf>`, and
/// waits until the port accepts connections. `stop()`, `kill()`, `suspend()`/`resume()` and
/// `restart()` (same port) simulate the broker's life; the directory is removed on deinit.
/// `setConfiguration(_:alsoWaitingFor:)` runs a whole configuration of the test's own instead
/// (e.g. the repository's, rewritten for loopback ports and temporary paths).
///
/// A missing broker is an error that says how to install it: tests must fail, not skip.
public final class MosquittoBroker: @unchecked Sendable {
    /// Why the broker could not be started or a helper could not run.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the broker's log tail where there is one.
        public let description: String
        /// A failure that says `description`.
        public init(description: String) { self.description = description }
    }

    /// The loopback port the broker listens on (kept across restarts).
    public let port: Int
    /// The temporary directory holding the configuration, the log and any files tests add.
    public let directory: String
    /// Path of the configuration file.
    public var configurationPath: String { directory + "/mosquitto.conf" }
    /// Path of the file the broker's stdout and stderr go to.
    public var logPath: String { directory + "/mosquitto.log" }
    /// Whether a broker process is running (or suspended).
    public var isRunning: Bool { processID != nil }

    /// The broker's process id while it runs, for a caller that reads its /proc entries.
    public var pid: pid_t? { processID }

    /// Lines every configuration starts with, so that the broker can read the test's files:
    /// started as root, mosquitto drops to user "mosquitto" before it reads files such as
    /// password_file, which then cannot be read in our 0700 temporary directory.
    public static var privilegeLines: [String] { geteuid() == 0 ? ["user root"] : [] }

    private let executable: String
    private var extraLines: [String]
    /// A whole configuration set by `setConfiguration`, used instead of the generated one.
    private var customConfiguration: String?
    /// Listener ports besides `port` that `start()` waits for.
    private var otherPorts: [Int] = []
    private var processID: pid_t?

    /// Writes the configuration and starts the broker.
    /// - Parameters:
    ///   - extraConfiguration: lines appended to the configuration (e.g. `allow_anonymous false`).
    ///   - port: a specific port (e.g. one a client already retries); by default a free one.
    ///   - start: false to only prepare, so a test can start the broker later.
    public init(extraConfiguration: [String] = [], port: Int? = nil, start: Bool = true) throws(Failure) {
        guard let executable = Self.findExecutable("mosquitto", preferring: "/usr/sbin/mosquitto") else {
            throw Failure(description:
                "mosquitto broker not found (looked at /usr/sbin/mosquitto and on PATH): install it with `apt-get install mosquitto`")
        }
        self.executable = executable
        if let port { self.port = port } else { self.port = try Self.freeLoopbackPort() }
        self.extraLines = extraConfiguration
        var template = Array("/tmp/mosquitto-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed: \(Self.errorText())") }
        directory = String(cString: made)
        try writeConfiguration()
        if start { try self.start() }
    }

    deinit {
        kill()
        removeDirectory()
    }

    /// Replaces the extra configuration lines; takes effect at the next start or restart.
    public func setExtraConfiguration(_ lines: [String]) throws(Failure) {
        extraLines = lines
        try writeConfiguration()
    }

    /// Replaces the generated configuration with `text` (after `privilegeLines`), which must
    /// open a listener on `port` and on each of `ports`; takes effect at the next start or
    /// restart, which waits for all of them. `setExtraConfiguration` no longer applies.
    public func setConfiguration(_ text: String, alsoWaitingFor ports: [Int] = []) throws(Failure) {
        customConfiguration = text
        otherPorts = ports
        try writeConfiguration()
    }

    /// Starts the broker and waits (up to `timeout` seconds) until its ports accept connections.
    public func start(timeout: Double = 5) throws(Failure) {
        guard processID == nil else { return }
        processID = try Self.spawn([executable, "-c", configurationPath], output: logPath)
        let deadline = Self.now() + timeout
        while Self.now() < deadline {
            if ([port] + otherPorts).allSatisfy(Self.portAcceptsConnections) { return }
            var status: Int32 = 0
            if let pid = processID, waitpid(pid, &status, WNOHANG) == pid {
                processID = nil
                throw Failure(description: "mosquitto exited during start-up (status \(status)); log:\n\(logTail())")
            }
            usleep(10_000)
        }
        kill()
        throw Failure(description:
            "mosquitto did not listen on 127.0.0.1 port \(([port] + otherPorts).map(String.init).joined(separator: ", ")) within \(timeout) s; log:\n\(logTail())")
    }

    /// Stops the broker gracefully (SIGTERM) and waits for it to exit.
    public func stop() { end(with: SIGTERM) }

    /// Kills the broker (SIGKILL): no goodbye to clients, as in a crash or power loss.
    public func kill() { end(with: SIGKILL) }

    /// Freezes the broker (SIGSTOP): connections stay open but nothing is read or answered.
    /// Returns once the kernel reports the process stopped (SIGSTOP is asynchronous: a broker
    /// still running for a moment would process what a test sends "while frozen").
    public func suspend() {
        guard let processID else { return }
        _ = Glibc.kill(processID, SIGSTOP)
        let deadline = Self.now() + 2
        while Self.now() < deadline, Self.processState(processID) != "T" { usleep(1_000) }
    }

    /// The state letter of `/proc/<pid>/stat` (R, S, T, Z, …), if readable.
    private static func processState(_ pid: pid_t) -> Character? {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // "pid (comm) S ...": the state follows the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].first { $0 != " " }
    }

    /// Thaws a suspended broker (SIGCONT).
    public func resume() { if let processID { _ = Glibc.kill(processID, SIGCONT) } }

    /// Asks the running broker to re-read its password file and ACL (SIGHUP), as an operator
    /// fixing a login does; connections stay up.
    public func reload() {
        if let processID { _ = Glibc.kill(processID, SIGHUP) }
    }

    /// Stops (SIGTERM) and starts the broker again on the same port, re-reading the configuration.
    public func restart() throws(Failure) {
        stop()
        try start()
    }

    /// Writes `contents` to `name` (which may name a subdirectory made by `makeDirectory`)
    /// inside the broker's directory and returns the path.
    @discardableResult
    public func writeFile(_ name: String, contents: String) throws(Failure) -> String {
        let path = directory + "/" + name
        try Self.writeFile(path, contents: contents)
        return path
    }

    /// Writes `contents` to the file at `path`, replacing it.
    public static func writeFile(_ path: String, contents: String) throws(Failure) {
        guard let file = fopen(path, "w") else { throw Failure(description: "cannot write \(path): \(errorText())") }
        defer { fclose(file) }
        guard fputs(contents, file) >= 0 else { throw Failure(description: "cannot write \(path): \(errorText())") }
    }

    /// Creates the subdirectory `name` of the broker's directory (removed with it) and returns its path.
    @discardableResult
    public func makeDirectory(_ name: String) throws(Failure) -> String {
        let path = directory + "/" + name
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw Failure(description: "cannot create \(path): \(Self.errorText())")
        }
        return path
    }

    /// Creates (or replaces) a mosquitto password file in the broker's directory with one user,
    /// using `mosquitto_passwd -b -c`, and returns its path.
    @discardableResult
    public func writePasswordFile(_ name: String = "passwords", user: String, password: String) throws(Failure) -> String {
        try writePasswordFile(name, users: [(user, password)])
    }

    /// Creates (or replaces) a mosquitto password file in the broker's directory with `users`
    /// (name and password each), using `mosquitto_passwd -b`, and returns its path.
    @discardableResult
    public func writePasswordFile(_ name: String = "passwords", users: [(name: String, password: String)]) throws(Failure) -> String {
        guard let tool = Self.findExecutable("mosquitto_passwd", preferring: "/usr/bin/mosquitto_passwd") else {
            throw Failure(description: "mosquitto_passwd not found: install it with `apt-get install mosquitto`")
        }
        let path = directory + "/" + name
        unlink(path)
        for (index, user) in users.enumerated() {
            // -c creates the file for the first user; the others are added to it.
            try Self.run([tool, "-b"] + (index == 0 ? ["-c"] : []) + [path, user.name, user.password],
                         output: directory + "/mosquitto_passwd.log")
        }
        return path
    }

    /// Runs `arguments` (output appended to `output`) to its end; a failure, with the end of
    /// `output`, unless it exits with status 0.
    public static func run(_ arguments: [String], output: String) throws(Failure) {
        let pid = try spawn(arguments, output: output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let name = arguments[0].split(separator: "/").last.map(String.init) ?? arguments[0]
            throw Failure(description: "\(name) failed with status \(status); output:\n\(readTextFile(output).suffix(2000))")
        }
    }

    /// The last lines the broker logged, for failure messages.
    public func logTail(maxBytes: Int = 2000) -> String {
        guard access(logPath, R_OK) == 0 else { return "(no log)" }
        return String(decoding: readTextFile(logPath).utf8.suffix(maxBytes), as: UTF8.self)
    }

    // MARK: - Helpers

    private func writeConfiguration() throws(Failure) {
        if let customConfiguration {
            try writeFile("mosquitto.conf", contents: (Self.privilegeLines + [customConfiguration]).joined(separator: "\n"))
            return
        }
        let lines = [
            "listener \(port) 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "log_dest stderr",
        ] + Self.privilegeLines + extraLines
        try writeFile("mosquitto.conf", contents: lines.joined(separator: "\n") + "\n")
    }

    /// Sends `signal` and reaps the broker; one that has not exited after 5 s is killed, so a
    /// test can never hang here.
    private func end(with signal: Int32) {
        guard let pid = processID else { return }
        _ = Glibc.kill(pid, signal)
        // A suspended broker acts on SIGTERM only once resumed. Never resume before SIGKILL:
        // for that instant it would process what it was sent while frozen.
        if signal != SIGKILL { _ = Glibc.kill(pid, SIGCONT) }
        Self.reap(pid)
        processID = nil
    }

    /// Waits for the child `pid` to exit and reaps it; one still running after `seconds` is
    /// sent SIGKILL, so a caller can never hang here.
    public static func reap(_ pid: pid_t, killingAfter seconds: Double = 5) {
        var status: Int32 = 0
        let deadline = now() + seconds
        while waitpid(pid, &status, WNOHANG) == 0 {
            if now() > deadline { _ = Glibc.kill(pid, SIGKILL) }
            usleep(5_000)
        }
    }

    private func removeDirectory() { Self.removeTree(directory) }

    /// Removes the directory `path` and everything below it (links are not followed).
    private static func removeTree(_ path: String) {
        for name in directoryEntries(path) {
            let child = path + "/" + name
            // Linux says EISDIR for a directory; only then go down (a link is unlinked).
            if unlink(child) != 0, errno == EISDIR { removeTree(child) }
        }
        rmdir(path)
    }

    /// A port that was free a moment ago: bind 127.0.0.1:0, read the port back, close.
    public static func freeLoopbackPort() throws(Failure) -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket failed: \(errorText())") }
        defer { close(descriptor) }
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind failed: \(errorText())") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw Failure(description: "getsockname failed: \(errorText())") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds right now.
    public static func portAcceptsConnections(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopbackAddress(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// `sockaddr_in` for 127.0.0.1:`port`.
    public static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Spawns `arguments` with stdout and stderr appended to `output` (stderr to `errorOutput`
    /// when given) and no other inherited descriptor: a broker holding a copy of a test
    /// client's socket would keep that connection alive after the client closed it. The
    /// child gets `environment` when given, else this process's.
    public static func spawn(
        _ arguments: [String], output: String, errorOutput: String? = nil, environment: [String: String]? = nil
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorOutput {
            posix_spawn_file_actions_addopen(&actions, 2, errorOutput, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        closeInheritedDescriptors(&actions)
        // The child inherits the spawning thread's signal mask and ignored signals: a Swift
        // Testing worker thread blocks SIGTERM (the broker would then never stop) and
        // libmosquitto ignores SIGPIPE. Start the child with an empty mask and all defaults.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        sigdelset(&signals, SIGKILL)
        sigdelset(&signals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var envp: [UnsafeMutablePointer<CChar>?] = (environment ?? [:]).sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let result = environment == nil
            ? posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
            : posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, &envp)
        guard result == 0 else {
            throw Failure(description: "cannot run \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Adds "close every descriptor from 3 up" to `actions` with glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34+), looked up at run time because its
    /// declaration needs `_GNU_SOURCE`, which Swift's Glibc module does not define. Without it,
    /// the descriptors of /proc/self/fd are closed one by one instead.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        guard let dir = opendir("/proc/self/fd") else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let descriptor = Int32(name), descriptor > 2, descriptor != dirfd(dir) {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }
    }

    /// `preferred` if it is executable, else the first `name` on PATH.
    public static func findExecutable(_ name: String, preferring preferred: String) -> String? {
        if access(preferred, X_OK) == 0 { return preferred }
        guard let path = getenv("PATH") else { return nil }
        for directory in String(cString: path).split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
