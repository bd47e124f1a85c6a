import Logging
import NetServer
import XousIPC
import SystemSupport

/// A client process of the net server with a main server of its own and no MQTT: its thread
/// receives each update from its bouncer and logs its arrival.
final class IPCSubscriber: @unchecked Sendable {
    /// The opcode updates arrive with at the main server.
    static let updateOpcode: UInt32 = 0x42

    /// The subscriber's own process, as the gateway has one.
    private let process: XousProcess
    /// The main server the bouncer lends each update to.
    private let mainSID: SID
    /// Holds the subscription (and its bouncer) for as long as the subscriber lives.
    private let manager: NetManager
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var log = ArrivalLog(capacity: 0)
    private var thread: OSThread?

    convenience init(kernel: Kernel, index: Int, logger: Logger) throws {
        try self.init(process: try kernel.createProcess(name: "bench-sub-\(index)"), index: index, logger: logger)
    }

    /// A subscriber that is `process`: of the embedded kernel, or joined to a hosted one.
    init(process: XousProcess, index: Int, logger: Logger) throws {
        self.process = process
        mainSID = try process.createServer()
        manager = try NetManager(process: process, logger: logger)
        thread = try OSThread(name: "bench-main-\(index)") { [self] in serve() }
        try manager.wifiStateSubscribe(returnCID: try process.connect(mainSID), opcode: IPCSubscriber.updateOpcode)
    }

    /// Logs the following arrivals into `log`.
    func route(to log: ArrivalLog) { lock.withLock { self.log = log } }

    private func serve() {
        while let envelope = try? process.receive(mainSID) {
            guard envelope.id == MessageID(IPCSubscriber.updateOpcode), envelope.kind == .borrow,
                  let update = try? envelope.decode(WlanStatusIpc.self),
                  let seq = benchSequence(update.ssid)
            else { continue }
            // Dropping the envelope returns the borrow to the bouncer, which then takes the next.
            let log = lock.withLock { self.log }
            log.record(seq)
        }
    }

    /// Unsubscribes and destroys the main server, which ends the receiving thread.
    func close() {
        try? manager.wifiStateUnsubscribe()
        try? process.destroyServer(mainSID)
        thread.take()?.join()
    }
}

/// The net server fed by a manual source, with `count` subscribers (as many as the kernel
/// allows and the net server delivers to; `failure` says why there are fewer).
final class IPCRig {
    let kernel = Kernel()
    let source = ManualWifiSource()
    let net: NetService
    private(set) var subscribers: [IPCSubscriber] = []
    private(set) var failure: String?

    init(subscriberCount: Int, logger: Logger) throws {
        net = try NetService(kernel: kernel, source: source, logger: logger)
        for index in 0..<subscriberCount {
            do {
                subscribers.append(try IPCSubscriber(kernel: kernel, index: index, logger: logger))
            } catch {
                failure = "subscriber \(index + 1) of \(subscriberCount) could not be set up: \(error)"
                break
            }
        }
        // A probe update: a subscription the net server accepted but cannot deliver to (its
        // connection table is full) fails only there, so keep only the subscribers it reaches.
        let probes = newLogs(capacity: 1)
        source.emit(benchStatus(1))
        _ = waitUntil(seconds: 2) { probes.allSatisfy { $0.count == 1 } }
        let reached = zip(subscribers, probes).filter { $0.1.count == 1 }.map(\.0)
        if reached.count < subscribers.count {
            // The connection manager's tryConnect to a bouncer fails when the net process's
            // connection table is full; it logs a warning and counts a rejection, while the
            // subscriber's NetManager believes it is subscribed.
            let note = "only \(reached.count) of \(subscribers.count) subscribers receive updates "
                + "(net server rejected \(net.statistics[.rejected]) subscriptions, Kernel.maxConnections = \(Kernel.maxConnections) per process)"
            failure = failure.map { $0 + "; " + note } ?? note
        }
        unreached = subscribers.filter { subscriber in !reached.contains { $0 === subscriber } }
        subscribers = reached
    }

    /// Subscribers the net server does not deliver to; closed with the others.
    private var unreached: [IPCSubscriber] = []

    /// Routes every subscriber to a fresh log of `capacity` and returns the logs.
    func newLogs(capacity: Int) -> [ArrivalLog] {
        subscribers.map { subscriber in
            let log = ArrivalLog(capacity: capacity)
            subscriber.route(to: log)
            return log
        }
    }

    func shutdown() {
        for subscriber in subscribers + unreached { subscriber.close() }
        net.stop()
        kernel.shutdown()
    }
}
