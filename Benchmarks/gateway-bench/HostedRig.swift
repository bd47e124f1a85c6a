#if canImport(Glibc)
import Glibc
#endif
import BrokerProcess
import Logging
import NetServer
import XousIPC

/// Our `xous-kernel` as a child process of the bench, running `commands`; its address read
/// from its first line.
final class KernelChild {
    let pid: pid_t
    let address: String
    let directory: String

    init(commands: [String], directory: String) throws {
        self.directory = directory
        let executable = siblingExecutable("xous-kernel")
        guard access(executable, X_OK) == 0 else {
            throw BenchError("no xous-kernel at \(executable): build it with the same scratch path (--product xous-kernel)")
        }
        let log = directory + "/kernel.log"
        do {
            pid = try MosquittoBroker.spawn([executable] + commands, output: log)
        } catch {
            throw BenchError(error.description)
        }
        _ = waitUntil(seconds: 5) { textAfter("listening on ", inFile: log) != nil }
        guard let found = textAfter("listening on ", inFile: log) else { throw BenchError("xous-kernel did not start: \(readTextFile(log))") }
        address = found
    }

    /// The processes the kernel started (its direct children), by command name.
    var children: [(name: String, pid: pid_t)] {
        directoryEntries("/proc").compactMap { entry -> (String, pid_t)? in
            guard let child = pid_t(entry) else { return nil }
            let stat = readTextFile("/proc/\(child)/stat")
            guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == pid else { return nil }
            return (String(stat[stat.index(after: open)..<close]), child)
        }
    }

    /// The hosted-mode environment a placeholder child wrote to `file`.
    func environment(_ file: String) throws -> HostedEnvironment {
        let path = directory + "/" + file
        guard waitUntil(seconds: 5, { readTextFile(path).contains("XOUS_PROCESS_KEY") }) else {
            throw BenchError("no hosted-mode environment in \(path)")
        }
        do {
            return try HostedEnvironment(environment: readAssignments(path))
        } catch {
            throw BenchError("\(path): \(error)")
        }
    }

    /// A placeholder command: it only hands its Xous identity to the bench, which then is that process.
    static func placeholder(_ file: String, in directory: String) -> String {
        "env | grep ^XOUS_ > \(directory)/\(file); exec sleep 86400"
    }

    /// SIGTERM (the kernel stops its children), then SIGKILL after 5 s; reaps it.
    func stop() {
        kill(pid, SIGTERM)
        MosquittoBroker.reap(pid)
    }
}

/// The IPC rig across the hosted kernel: the net server (on a manual source) and one
/// subscriber are separate Xous processes, each with its own socket to `xous-kernel` (another
/// OS process), and the name server is `xous-names` (a third). Every syscall of the bounce path
/// is a frame through the kernel's process. The net server and the subscriber share the
/// bench's OS process so that one clock times the path.
final class HostedIPCRig {
    let kernel: KernelChild
    let source = ManualWifiSource()
    let net: NetService
    let subscriber: IPCSubscriber
    private let netProcess: XousProcess
    private let subscriberProcess: XousProcess

    init(directory: String, logger: Logger) throws {
        kernel = try KernelChild(
            commands: [
                "exec " + siblingExecutable("xous-names"),
                KernelChild.placeholder("net.env", in: directory),
                KernelChild.placeholder("subscriber.env", in: directory),
            ],
            directory: directory)
        do {
            netProcess = try XousProcess.joinHosted(try kernel.environment("net.env"), name: "bench-net")
            subscriberProcess = try XousProcess.joinHosted(try kernel.environment("subscriber.env"), name: "bench-sub")
            net = try NetService(process: netProcess, source: source, logger: logger)
            subscriber = try IPCSubscriber(process: subscriberProcess, index: 0, logger: logger)
        } catch {
            kernel.stop()
            throw error
        }
    }

    /// The processes that carry the path besides the bench: the kernel and xous-names.
    var otherPIDs: [pid_t] { [kernel.pid] + kernel.children.filter { $0.name == "xous-names" }.map(\.pid) }

    func newLog(capacity: Int) -> ArrivalLog {
        let log = ArrivalLog(capacity: capacity)
        subscriber.route(to: log)
        return log
    }

    func shutdown() {
        subscriber.close()
        net.stop()
        subscriberProcess.terminate()
        netProcess.terminate()
        kernel.stop()
    }
}
