#if canImport(Glibc)
import Glibc
#endif
import BrokerProcess
import Logging
import MQTT
import XousIPC
import SystemSupport

/// Watches `+/bridge/state` and remembers when each base topic first said `online`.
final class OnlineWatcher: MQTTClientDelegate, @unchecked Sendable {
    let client: MQTTClient
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var online: [String: UInt64] = [:]
    private var connected = false

    init(port: Int, logger: Logger) throws {
        client = try MQTTClient(configuration: MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "bench-watcher"), logger: logger)
        client.setDelegate(self)
        client.subscribe("+/bridge/state", qos: 1)
        try client.start()
        guard waitUntil(seconds: 10, { lock.withLock { connected } }) else {
            throw BenchError("the bridge/state watcher did not connect")
        }
        // SUBACK is not reported; give the subscription time to be in place.
        sleep(seconds: 0.3)
    }

    /// When `baseTopic` first reported online (monotonic ns), waiting up to `seconds`.
    func onlineTime(_ baseTopic: String, seconds: Double) -> UInt64? {
        let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(seconds * 1000))
        return lock.withLock {
            while online[baseTopic] == nil, lock.wait(until: deadline) {}
            return online[baseTopic]
        }
    }

    func mqttDidConnect(_ client: MQTTClient) { lock.withLock { connected = true } }
    func mqttDidDisconnect(_ client: MQTTClient, reason: String) {}

    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8]) {
        let time = nowNanoseconds()
        guard String(decoding: payload, as: UTF8.self) == #"{"state":"online"}"#,
              topic.hasSuffix("/bridge/state") else { return }
        let base = String(topic.dropLast("/bridge/state".count))
        lock.withLock {
            if online[base] == nil { online[base] = time }
            lock.broadcast()
        }
    }

    func stop() { client.stop(timeout: 1) }
}

/// A gatewayd child process on the bench's broker, its simulated Wi-Fi source changing every
/// `intervalMs` (by default once a day: nothing to report).
final class GatewaydProcess {
    let pid: pid_t
    let baseTopic: String

    /// Starts `executable` on the broker at `port`, its files in `directory`.
    init(executable: String, port: Int, baseTopic: String, directory: String, run: Int, intervalMs: Int = 86_400_000) throws {
        self.baseTopic = baseTopic
        let arguments = [
            executable,
            "--mqtt-server", "mqtt://127.0.0.1:\(port)",
            "--mqtt-client-id", "bench-gatewayd-\(run)",
            "--base-topic", baseTopic,
            "--sim-interval-ms", String(intervalMs),
            "--control-socket", directory + "/gw-\(run).sock",
        ]
        do {
            pid = try MosquittoBroker.spawn(arguments, output: directory + "/gatewayd-\(run).log")
        } catch {
            throw BenchError(error.description)
        }
    }

    /// Stops gatewayd (SIGTERM, then SIGKILL after 5 s) and reaps it.
    func stop() {
        kill(pid, SIGTERM)
        MosquittoBroker.reap(pid)
    }
}

/// What /proc says about a process at one moment.
struct ProcessSample {
    /// A thread's `comm` and its context switches so far: voluntary ones (it blocked; each
    /// later wake-up ends one) and involuntary ones (the scheduler took the CPU from it); and
    /// from schedstat, nanoseconds on a CPU and runnable but waiting for one.
    typealias ThreadSample = (name: String, voluntary: Int, involuntary: Int, runNanoseconds: Int, waitNanoseconds: Int)

    /// When the sample was taken, monotonic nanoseconds.
    var time: UInt64
    /// User plus system CPU time, in clock ticks.
    var cpuTicks: Int
    /// Resident memory (VmRSS), KiB.
    var rssKiB: Int
    /// Of `rssKiB`: anonymous memory (heap, stacks).
    var rssAnonKiB: Int
    /// Of `rssKiB`: file-backed pages (code and data of the binary and its libraries).
    var rssFileKiB: Int
    /// Each thread by kernel thread id.
    var threads: [Int: ThreadSample]

    /// Reads /proc/`pid`; nil when the process is gone.
    init?(pid: pid_t) {
        time = nowNanoseconds()
        let stat = readTextFile("/proc/\(pid)/stat")
        // "pid (comm) S ppid …": fields after the last ')' start at field 3; utime and stime are 14 and 15.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        cpuTicks = user + system
        let status = readTextFile("/proc/\(pid)/status")
        rssKiB = ProcessSample.field("VmRSS:", in: status) ?? 0
        rssAnonKiB = ProcessSample.field("RssAnon:", in: status) ?? 0
        rssFileKiB = ProcessSample.field("RssFile:", in: status) ?? 0
        threads = [:]
        for entry in directoryEntries("/proc/\(pid)/task") {
            guard let tid = Int(entry) else { continue }
            let status = readTextFile("/proc/\(pid)/task/\(tid)/status")
            let name = readTextFile("/proc/\(pid)/task/\(tid)/comm").split(separator: "\n").first.map(String.init) ?? "?"
            // "run_ns wait_ns timeslices"; absent without CONFIG_SCHEDSTATS, then zeros.
            let schedstat = readTextFile("/proc/\(pid)/task/\(tid)/schedstat").split(whereSeparator: { $0 == " " || $0 == "\n" })
            threads[tid] = (
                name: name,
                voluntary: ProcessSample.field("voluntary_ctxt_switches:", in: status) ?? 0,
                involuntary: ProcessSample.field("nonvoluntary_ctxt_switches:", in: status) ?? 0,
                runNanoseconds: schedstat.count > 1 ? Int(schedstat[0]) ?? 0 : 0,
                waitNanoseconds: schedstat.count > 1 ? Int(schedstat[1]) ?? 0 : 0)
        }
    }

    /// The first number after `label` at the start of a line of `text`.
    static func field(_ label: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(label) {
            return line.dropFirst(label.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
        }
        return nil
    }
}

/// The bench process and, when it is known, the broker, sampled together.
struct LoadSample {
    var bench: ProcessSample?
    var broker: ProcessSample?
    var brokerPID: pid_t?

    init(brokerPID: pid_t?) {
        self.brokerPID = brokerPID
        bench = ProcessSample(pid: getpid())
        broker = brokerPID.flatMap { ProcessSample(pid: $0) }
    }
}
