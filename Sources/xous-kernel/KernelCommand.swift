import ArgumentParser
import XousIPC
#if canImport(Glibc)
import Glibc
#endif
import SystemSupport

/// `xous-kernel`: a Xous hosted-mode kernel on this project's kernel model, with the real
/// one's command line: each argument is a process, started with `sh -c` and the Xous
/// environment (`XOUS_SERVER`, `XOUS_PID`, `XOUS_PROCESS_NAME`, `XOUS_PROCESS_KEY`).
@main
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xous-kernel",
        abstract: "A Xous hosted-mode kernel: every process an OS process, every syscall a frame over TCP.",
        discussion: """
            Listens on XOUS_LISTEN_ADDR (default 127.0.0.1:0, a free loopback port) and starts \
            each CMD with sh -c, PIDs from 2 in argument order. A process ends when its \
            connection closes; a process that breaks the protocol (a wrong key, a malformed frame, \
            a thread id it does not own, TerminateProcess, Shutdown) loses its own connection and \
            nothing else. SIGTERM or SIGINT stops the children (SIGTERM) and the kernel.
            """)

    @Flag(name: .customLong("restart"), help: "Start a command again when its process exits, as a supervisor would (with a new PID and key); not after exit status 2 or 78 (a usage or configuration error).")
    var restart = false

    @Option(name: .customLong("restart-delay-ms"), help: "Pause before a restart (default 500).")
    var restartDelayMs: Int = 500

    @Argument(help: "The processes to start, one shell command each.")
    var commands: [String] = []

    func run() throws {
        TerminationSignals.block()
        let listen = ProcessEnvironment.current()["XOUS_LISTEN_ADDR"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:0"
        let host: HostedKernel
        do {
            host = try HostedKernel(listeningOn: listen)
        } catch {
            Supervisor.say("KERNEL: XOUS_LISTEN_ADDR \(listen): \(error)", toErrors: true)
            throw ExitCode.failure
        }
        try host.start()
        Supervisor.say("KERNEL: Xous server listening on \(host.address)")
        let supervisor = Supervisor(host: host, restart: restart, restartDelayMs: max(0, restartDelayMs))
        Supervisor.say("KERNEL: Starting initial processes:\n  PID  |  Command\n-------+------------------")
        for command in commands {
            do {
                let pid = try supervisor.launch(command)
                Supervisor.say(" \(pid) |  \(command)")
            } catch {
                Supervisor.say("KERNEL: cannot start \(command): \(error)", toErrors: true)
            }
        }
        try supervisor.startReaping()
        try TerminationSignals.onSignal { _ in supervisor.stop() }
        // Up: the code the start-up ran need not stay resident (see gatewayd).
        ResidentMemory.releaseCodePages()
        supervisor.waitUntilStopped()
        host.stop()
    }
}

/// The kernel's children: started with the Xous environment, reaped, restarted when asked.
final class Supervisor: @unchecked Sendable {
    private let host: HostedKernel
    private let restart: Bool
    private let restartDelayMs: Int
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var children: [pid_t: (command: String, pid: PID)] = [:]
    private var stopping = false
    private var stopped = false

    init(host: HostedKernel, restart: Bool, restartDelayMs: Int) {
        self.host = host
        self.restart = restart
        self.restartDelayMs = restartDelayMs
    }

    static func say(_ text: String, toErrors: Bool = false) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(toErrors ? 2 : 1, $0.baseAddress, $0.count) }
    }

    /// Admits a process and starts `command` as it.
    func launch(_ command: String) throws -> PID {
        let (pid, key) = try host.admit(name: command)
        var environment = ProcessEnvironment.current()
        environment["XOUS_SERVER"] = host.address
        environment["XOUS_PID"] = String(pid)
        environment["XOUS_PROCESS_NAME"] = "program"
        environment["XOUS_PROCESS_KEY"] = HostedEnvironment.hex(key)
        let child = try Self.spawn(command, environment: environment)
        lock.withLock {
            children[child] = (command, pid)
            lock.broadcast()
        }
        return pid
    }

    private static func spawn(_ command: String, environment: [String: String]) throws -> pid_t {
        let arguments: [UnsafeMutablePointer<CChar>?] = ["sh", "-c", command].map { (text: String) in strdup(text) }
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { (key, value) in strdup("\(key)=\(value)") }
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var child: pid_t = 0
        // The children get the default signal mask back: the kernel's blocked SIGTERM is not theirs to inherit.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let status = posix_spawn(&child, "/bin/sh", nil, &attributes, arguments + [nil], variables + [nil])
        guard status == 0 else { throw SpawnError(description: "posix_spawn: \(String(cString: strerror(status)))") }
        return child
    }

    struct SpawnError: Error, CustomStringConvertible { let description: String }

    func startReaping() throws {
        try OSThread(name: "kernel-reaper", stackSize: 128 * 1024) { [self] in reap() }.detach()
    }

    private func reap() {
        while true {
            var status: Int32 = 0
            let child = waitpid(-1, &status, 0)
            if child < 0 {
                if errno == EINTR { continue }
                // No children: sleep until one is started (or the kernel stops).
                let done = lock.withLock { () -> Bool in
                    while children.isEmpty && !stopping { lock.wait() }
                    return stopping && children.isEmpty
                }
                if done { return }
                continue
            }
            // A command that exits for a usage (2) or configuration (78, EX_CONFIG) error would
            // only fail again: not restarted, as systemd's RestartPreventExitStatus does.
            let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
            let (entry, again) = lock.withLock { () -> ((command: String, pid: PID)?, Bool) in
                let entry = children.removeValue(forKey: child)
                lock.broadcast()
                return (entry, restart && !stopping && exitCode != 2 && exitCode != 78)
            }
            guard let entry else { continue }
            host.end(entry.pid)
            let how = (status & 0x7f) == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(status & 0x7f)"
            Self.say("KERNEL: process \(entry.pid) (\(entry.command)) \(how)")
            guard again else { continue }
            usleep(UInt32(restartDelayMs) * 1000)
            if lock.withLock({ stopping }) { continue }
            do {
                let pid = try launch(entry.command)
                Self.say("KERNEL: restarted \(entry.command) as PID \(pid)")
            } catch {
                Self.say("KERNEL: cannot restart \(entry.command): \(error)", toErrors: true)
            }
        }
    }

    /// Sends SIGTERM to every child, waits up to 3 s for them, then lets `waitUntilStopped` return.
    func stop() {
        let running = lock.withLock { () -> [pid_t] in
            if stopping {
                // A second signal: do not wait.
                stopped = true
                lock.broadcast()
                return []
            }
            stopping = true
            lock.broadcast()
            return Array(children.keys)
        }
        for child in running { kill(child, SIGTERM) }
        let deadline = MonotonicInstant.now.adding(milliseconds: 3_000)
        lock.withLock {
            while !children.isEmpty && lock.wait(until: deadline) {}
            for child in children.keys { kill(child, SIGKILL) }
            stopped = true
            lock.broadcast()
        }
    }

    func waitUntilStopped() { lock.withLock { while !stopped { lock.wait() } } }
}
