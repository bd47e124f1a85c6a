public import Logging
import Synchronization
public import XousIPC
public import SystemSupport

/// The net server: a process registered as `_Middleware Network Server_` whose main loop
/// forwards the Wi-Fi subscription opcodes to a private connection manager, which pushes each
/// state from a `WifiSource` to every subscriber.
///
/// `start` brings up the process, both server threads and the source; `stop` takes them down
/// in reverse order and joins every thread it started.
public final class NetService: @unchecked Sendable {
    /// The net server's process (subscribers live elsewhere).
    public let process: XousProcess
    /// Counters, for tests and status output.
    public let statistics = NetStatistics()

    private let source: any WifiSource
    /// The source when it is played on the main loop (embedded, and it knows its schedule).
    private let scheduled: (any ScheduledWifiSource)?
    private let logger: Logger
    private let latch = WifiEventLatch()
    private let snapshot = StatusSnapshot()
    private let sid: SID
    private let selfCID: CID
    private let manager: ConnectionManager
    private let watches: SubscriptionWatches
    /// The configuration the chip reported last (`net_config`): set on each IP config
    /// interrupt and never cleared, so `GetIpv4Config` answers it after a disconnect too, as
    /// Xous does. Touched only by the main loop.
    private var netConfig: Ipv4Conf?
    private let threads = ThreadGroup()
    private let stopped = Atomic<Bool>(false)

    /// Starts the net server in a new process of `kernel`, fed by `source`.
    /// - Parameter name: the name to register; Xous's is fixed, and only a test that puts a
    ///   proxy in front of the net server has reason to pick another.
    /// - Throws: `InternalError` if the name is already registered; kernel errors if the
    ///   kernel has no room for the process, its servers or its threads.
    public convenience init(
        kernel: Kernel, source: any WifiSource, name: String = serverNameNet,
        logger: Logger = Logger(label: "net")
    ) throws {
        try self.init(process: try kernel.createProcess(name: "net"), source: source, name: name, logger: logger)
    }

    /// Starts the net server as `process`: a process of an embedded kernel, or this OS
    /// process joined to a hosted-mode kernel (`netserverd`); the code is the same for both.
    public init(
        process: XousProcess, source: any WifiSource, name: String = serverNameNet,
        logger: Logger = Logger(label: "net")
    ) throws {
        self.source = source
        self.logger = logger
        self.process = process
        // Unlimited connections, as Xous registers it (`register_name(.., None)`).
        sid = try process.registerName(name, maxConnections: nil)
        selfCID = try process.connect(sid)
        watches = SubscriptionWatches(process: process)
        manager = try ConnectionManager(
            process: process, latch: latch, statistics: statistics, snapshot: snapshot,
            watches: watches, logger: logger)
        // A timed wait is the embedded kernel's alone (Xous has no such call); hosted, the
        // source keeps its thread.
        let scheduled = process.isHosted ? nil : source as? any ScheduledWifiSource
        self.scheduled = scheduled
        try scheduled?.startScheduled()
        let manager = self.manager
        try spawn("net-cm") { manager.run() }
        try spawn("net-main") { [self] in runMain() }
        if scheduled == nil {
            let process = self.process, latch = self.latch, selfCID = self.selfCID
            try source.start { status in
                // The EC's interrupt: only the first of a burst is raised; the rest wait in the latch.
                guard latch.post(status) else { return }
                _ = try? process.send(selfCID, .scalar(ScalarMessage(id: NetOpcode.comInterrupt.rawValue)))
            }
        }
        logger.info("Net server up", metadata: ["source": "\(source.name)"])
    }

    /// The latest state the connection manager has seen.
    public var currentStatus: WlanStatus { snapshot.value }

    /// States the source produced faster than the net server could take them, and lost.
    public var droppedStates: Int { latch.dropped }

    /// Stops the source, both servers and every pusher; joins their threads. Idempotent.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // The name goes first: a client told below that the net server is stopping (its watch)
        // then waits for the next one, instead of finding this one's name and subscribing again.
        _ = try? process.unregisterName(sid)
        source.stop()
        // Quit is honoured from the net process only, so no client can stop the server.
        _ = try? process.send(selfCID, .scalar(ScalarMessage(id: NetOpcode.quit.rawValue)))
        threads.joinAll()
        watches.releaseAll()
        try? process.destroyServer(manager.sid)
        try? process.destroyServer(sid)
        logger.info("Net server down")
    }

    deinit { stop() }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) throws(XousError) {
        do { try threads.spawn(name, body) } catch { throw .threadNotAvailable }
    }

    private func runMain() {
        while true {
            guard var envelope = nextMessage() else { return }
            switch NetOpcode(rawValue: envelope.id & (NetOpcode.nonblockingFlag - 1)) {
            case .subscribeWifiStats:
                forward(&envelope, ConnectionManagerOpcode.subscribeWifiStats)
            case .unsubWifiStats:
                let sid = envelope.scalar?.sidArgument
                forward(&envelope, ConnectionManagerOpcode.unsubWifiStats)
                if let sid { watches.release(sid) }
            case .watchWifiStats:
                guard envelope.kind == .blockingScalar, let scalar = envelope.scalar else {
                    reject(envelope)
                    break
                }
                watches.hold(envelope.sender, for: scalar.sidArgument)
                // The connection manager, which owns the table, releases it if the subscription
                // is already gone.
                var held = scalar
                held.id = ConnectionManagerOpcode.watchHeld.rawValue
                _ = try? process.send(manager.cid, .scalar(held))
            case .getIpv4Config:
                answerIpv4Config(&envelope)
            case .comInterrupt:
                serviceComInterrupt()
            case .quit where envelope.sender.pid == process.pid:
                _ = try? process.send(manager.cid, .scalar(ScalarMessage(id: ConnectionManagerOpcode.quit.rawValue)))
                return
            case .quit, nil:
                logger.warning("Net server ignored opcode \(envelope.id)")
                reject(envelope)
            }
        }
    }

    /// The main loop's next message; with a scheduled source, the states that fall due on the
    /// way are raised here, on this thread, as an interrupt handler runs in its process. Nil
    /// when the server is gone.
    private func nextMessage() -> MessageEnvelope? {
        guard let scheduled else { return try? process.receive(sid) }
        while true {
            guard let due = scheduled.nextDue else { return try? process.receive(sid) }
            if due <= .now {
                var raised = false
                scheduled.emitDue { status in raised = latch.post(status) || raised }
                if raised { serviceComInterrupt() }
                continue
            }
            do {
                if let envelope = try process.receive(sid, until: due) { return envelope }
            } catch {
                return nil
            }
        }
    }

    private func serviceComInterrupt() {
        // Xous asks the EC which interrupts are active and reads the configuration on an IP
        // config update.
        let (bits, ipv4) = latch.takeInterrupts()
        if bits & ComInterruptBits.wlanIpConfigUpdate != 0, let ipv4 { netConfig = ipv4 }
        // Xous uses try_send and drops the interrupt on a full queue; the latch arms only one
        // interrupt at a time, so losing it would strand the states: wait instead.
        let comInt = ScalarMessage(id: ConnectionManagerOpcode.comInt.rawValue, bits & ComInterruptBits.enabledMask)
        _ = try? process.send(manager.cid, .scalar(comInt))
    }

    private func reject(_ envelope: borrowing MessageEnvelope) {
        statistics.record(.rejected)
        envelope.refuse()
    }

    private func forward(_ envelope: inout MessageEnvelope, _ opcode: ConnectionManagerOpcode) {
        do {
            try envelope.forward(to: manager.cid, id: opcode.rawValue)
        } catch {
            statistics.record(.rejected)
            logger.warning("Net server could not forward to its connection manager: \(error)")
            envelope.refuse()
        }
    }

    private func answerIpv4Config(_ envelope: inout MessageEnvelope) {
        guard envelope.kind == .mutableBorrow else {
            reject(envelope)
            return
        }
        // None until the chip has reported a configuration, then the last one reported.
        _ = try? envelope.reply(encoding: Ipv4ConfigReply(words: netConfig?.encodeWords()))
    }
}

/// The connection manager's latest state, readable by the main loop for `GetIpv4Config`.
final class StatusSnapshot: Sendable {
    private let state = Mutex(WlanStatus.default)

    var value: WlanStatus {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
