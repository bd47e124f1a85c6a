#if canImport(Glibc)
import Glibc
#endif
import BrokerProcess
import Logging
import MQTT
import SystemSupport

extension Bench {
    /// The gatewayd binary at the rates Wi-Fi changes really come: its simulated source at 1,
    /// 10 and 100 updates a second, one subscriber, and for each rate the CPU and the context
    /// switches per update of every thread (schedstat and the thread's status), over
    /// `paceSeconds`. At such rates every update finds every thread parked, so this is what a
    /// wake-up costs, where the full-speed sections measure what a stream costs.
    func pacedRates(broker: MosquittoBroker) throws {
        let executable = options.gatewayd ?? siblingExecutable("gatewayd")
        guard access(executable, X_OK) == 0 else {
            throw BenchError("no gatewayd at \(executable): build it with the same scratch path")
        }
        wakeCost()
        let directory = try broker.makeDirectory("rates")
        let watcher = try OnlineWatcher(port: broker.port, logger: logger)
        defer { watcher.stop() }
        for rate in options.paceRates {
            let base = "bench-rate-\(getpid())-\(rate)"
            let counter = try MessageCounter(port: broker.port, topic: base + "/wlan/state", logger: logger)
            defer { counter.stop() }
            let process = try GatewaydProcess(
                executable: executable, port: broker.port, baseTopic: base, directory: directory, run: 100 + rate,
                intervalMs: max(1, 1000 / rate))
            defer { process.stop() }
            guard watcher.onlineTime(base, seconds: 10) != nil else { throw BenchError("gatewayd at \(rate)/s did not report online") }
            // Start-up publishes and the first updates settle first.
            sleep(seconds: max(1, 3.0 / Double(rate)))
            let countBefore = counter.count
            guard let first = ProcessSample(pid: process.pid) else { throw BenchError("gatewayd exited") }
            sleep(seconds: options.paceSeconds)
            guard let second = ProcessSample(pid: process.pid) else { throw BenchError("gatewayd exited") }
            let updates = counter.count - countBefore
            guard updates > 0 else { throw BenchError("no updates arrived at \(rate)/s") }
            report(rate: rate, updates: updates, first: first, second: second)
        }
    }

    private func report(rate: Int, updates: Int, first: ProcessSample, second: ProcessSample) {
        let section = "rate \(rate)/s"
        // Pushers are one thread per subscriber (`net-push-<cid>`): one row for them all.
        let byName = Self.threadDeltas(from: first, to: second, prefix: "")
            .mapValues { (run: $0.run, switches: $0.voluntary + $0.involuntary, voluntary: $0.voluntary) }
        let perUpdate = { (value: Int) in Double(value) / Double(updates) }
        let cpu = byName.values.reduce(0) { $0 + $1.run }
        let switches = byName.values.reduce(0) { $0 + $1.switches }
        let key = "rate_\(rate)"
        report.add(section, "updates measured", "\(updates) in \(format(Double(second.time - first.time) / 1e9, 1)) s")
        let cpuPerUpdate = perUpdate(cpu) / 1000
        let switchesPerUpdate = perUpdate(switches)
        if rate == 100 {
            report.check(section, "CPU per update, whole process", format(cpuPerUpdate, 1) + " us", target: "<= 120 us",
                         passed: cpuPerUpdate <= 120, key: "target_rate_cpu")
            report.check(section, "context switches per update", format(switchesPerUpdate, 2), target: "<= 5",
                         passed: switchesPerUpdate <= 5, key: "target_rate_switches")
        } else {
            report.add(section, "CPU per update, whole process", format(cpuPerUpdate, 1) + " us")
            report.add(section, "context switches per update", format(switchesPerUpdate, 2))
        }
        for (name, value) in byName.sorted(by: { $0.value.run > $1.value.run }) where value.run > 0 || value.switches > 0 {
            report.add(section, "  \(name)", "\(format(perUpdate(value.run) / 1000, 1)) us, \(format(perUpdate(value.switches), 2)) switches (\(format(perUpdate(value.voluntary), 2)) voluntary)")
            report.value("\(key)_thread_\(name)_us", perUpdate(value.run) / 1000)
            report.value("\(key)_thread_\(name)_switches", perUpdate(value.switches), decimals: 2)
        }
        report.value("\(key)_updates", String(updates))
        report.value("\(key)_cpu_us", cpuPerUpdate)
        report.value("\(key)_switches", switchesPerUpdate, decimals: 2)
    }
}

/// Counts the messages on one topic.
final class MessageCounter: MQTTClientDelegate, @unchecked Sendable {
    private let client: MQTTClient
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var received = 0
    private var connected = false

    init(port: Int, topic: String, logger: Logger) throws {
        client = try MQTTClient(configuration: MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "bench-count-\(topic.hashValue & 0xffff)"), logger: logger)
        client.setDelegate(self)
        client.subscribe(topic, qos: 1)
        try client.start()
        guard waitUntil(seconds: 10, { lock.withLock { connected } }) else { throw BenchError("the counter did not connect") }
        sleep(seconds: 0.3)
    }

    /// Messages so far.
    var count: Int { lock.withLock { received } }

    func mqttDidConnect(_ client: MQTTClient) { lock.withLock { connected = true } }
    func mqttDidDisconnect(_ client: MQTTClient, reason: String) {}
    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8]) { lock.withLock { received += 1 } }

    func stop() { client.stop(timeout: 1) }
}

extension Bench {
    /// What one wake-up costs on this machine, as a yardstick for the figures above: two
    /// threads pass a turn back and forth through a condition variable, each parked in between,
    /// 100 turns a second, and each thread's own CPU time is read (CLOCK_THREAD_CPUTIME_ID).
    /// A gatewayd update wakes six threads at least (the source, the net server's main loop,
    /// its connection manager, the bouncer, the gateway's main server, libmosquitto's thread
    /// for the PUBACK), so this times six is the floor of its CPU per update here.
    func wakeCost() {
        final class Turn: @unchecked Sendable {
            let lock = ConditionLock()
            var turn = 0
            var stop = false
            var cpuNanoseconds = 0
        }
        let shared = Turn()
        let rounds = options.quick ? 200 : 500
        guard let partner = try? OSThread(name: "bench-partner", {
            let start = threadCPU()
            shared.lock.withLock {
                while !shared.stop {
                    while shared.turn % 2 == 0 && !shared.stop { shared.lock.wait() }
                    if shared.stop { break }
                    shared.turn += 1
                    shared.lock.broadcast()
                }
                shared.cpuNanoseconds = threadCPU() - start
            }
        }) else {
            report.note("wake-up cost: not measured (no thread)")
            return
        }
        let start = threadCPU()
        for _ in 0..<rounds {
            sleep(seconds: 0.01)
            shared.lock.withLock {
                shared.turn += 1
                shared.lock.broadcast()
                while shared.turn % 2 == 1 { shared.lock.wait() }
            }
        }
        // The pacing sleep is a wake-up too: each round wakes this thread twice.
        let mine = threadCPU() - start
        shared.lock.withLock {
            shared.stop = true
            shared.lock.broadcast()
        }
        partner.join()
        let perWake = Double(mine + shared.cpuNanoseconds) / Double(3 * rounds) / 1000
        report.add("rates", "CPU per wake-up of a parked thread (2 threads, 100 turns/s)", format(perWake, 1) + " us")
        report.value("wakeup_cpu_us", perWake)
    }
}

/// The calling thread's CPU time so far, nanoseconds.
func threadCPU() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return spec.tv_sec * 1_000_000_000 + spec.tv_nsec
}
