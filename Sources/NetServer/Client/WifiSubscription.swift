public import Logging
import Synchronization
public import XousIPC
import SystemSupport

/// A Wi-Fi state subscription that looks after itself: `NetManager`'s client side with the
/// resilience Xous leaves to each subscriber. It subscribes and unsubscribes on a server thread
/// of its own, notices when the net server goes away, tears the bouncer down, waits (parked in
/// the name server, no polling) for a net server to register again, and tells its owner each
/// step as a Scalar (`Event`); updates reach the owner as the bouncer's Borrows.
///
/// Why a thread of its own: the bouncer lends each update to the owner's server and waits; if
/// the owner's thread ran the unsubscribe handshake it would wait for the bouncer while the
/// bouncer waits for it. So the owner asks (`request`), keeps serving updates, and hears back.
///
/// The net server never tells a subscriber that it lost its subscriber table: on Xous it only
/// logs a failed push, and a Move carries no error back. So the subscription looks for itself:
/// the manager's watch (a call the net server holds while subscribed, which the kernel answers
/// when the net server's process ends) makes it check at once, and `check()` (the owner's
/// health tick) sends the net server the cheapest call it answers (`GetIpv4Config`). Any call
/// that fails with `ServerNotFound` means the net server it subscribed to went away, even if
/// another has registered since (its going away cleared or tombstoned this process's
/// connection).
public final class WifiSubscription: @unchecked Sendable {
    /// What the owner may ask for.
    public enum Request: UInt, Sendable {
        case subscribe = 1
        case unsubscribe = 2
    }

    /// What the owner hears: a Scalar with the owner's `eventOpcode`, the event in its words.
    public enum Event: Equatable, Sendable {
        /// A request is done: with the kernel's error if it failed, and whether a subscription
        /// runs now.
        case done(Request, error: XousError?, subscribed: Bool)
        /// The net server went away (the error that showed it); the bouncer is down, and the
        /// subscription waits for a net server to register.
        case lost(XousError)
        /// A net server registered again and is connected; nothing is subscribed yet.
        case back

        /// Reads an event from the owner's Scalar; nil for words that are not one.
        public init?(_ scalar: ScalarMessage) {
            let error = scalar.arg2 == 0 ? nil : XousError(code: scalar.arg2)
            switch Action(rawValue: scalar.arg1) {
            case .subscribe?: self = .done(.subscribe, error: error, subscribed: scalar.arg3 == 1)
            case .unsubscribe?: self = .done(.unsubscribe, error: error, subscribed: scalar.arg3 == 1)
            case .waitEnded?: self = .back
            case .lost?: self = .lost(error ?? .serverNotFound)
            case .quit?, .check?, nil: return nil
            }
        }
    }

    /// The worker's opcodes, and the first word of an event.
    enum Action: UInt {
        case subscribe = 1
        case unsubscribe = 2
        case quit = 3
        /// From the owner's health tick, and from the manager's watch when the net server went
        /// away: is the net server still the one we hold?
        case check = 4
        /// From the waiter thread: it is done waiting. As an event: `back`.
        case waitEnded = 5
        /// Only as an event: `lost`.
        case lost = 6
    }

    private let process: XousProcess
    private let sid: SID
    private let cid: CID
    private let ownerCID: CID
    private let updateOpcode: UInt32
    private let eventOpcode: MessageID
    private let logger: Logger
    private var thread: OSThread?
    /// Bouncers' refusals: the current bouncer's statistics plus those of every earlier one,
    /// so that the counter never goes back when a bouncer is replaced.
    private let ignoredTally = Mutex<(retired: Int, current: BouncerStatistics?)>((0, nil))

    // Touched only by the worker thread once it runs.
    /// Nil while the net server is gone: a manager that saw it go is useless (its CID may
    /// belong to someone else by now), and a new one comes from `wait`.
    private var manager: NetManager?
    private var wait: NetServerWait?

    /// Connects to the net server (waiting for it to register) and starts the worker thread;
    /// nothing is subscribed until the owner asks.
    /// - Parameters:
    ///   - ownerCID: a connection to the owner's own server, where updates (Borrows with
    ///     `updateOpcode`) and events (Scalars with `eventOpcode`) arrive.
    public init(
        process: XousProcess, ownerCID: CID, updateOpcode: UInt32, eventOpcode: MessageID,
        logger: Logger = Logger(label: "net.subscription")
    ) throws(XousError) {
        self.process = process
        self.ownerCID = ownerCID
        self.updateOpcode = updateOpcode
        self.eventOpcode = eventOpcode
        self.logger = logger
        sid = try process.createServer()
        cid = try process.connect(sid)
        manager = try NetManager(process: process, lossNotification: (cid, Action.check.rawValue), logger: logger)
        thread = try OSThread(xous: "gw-subscribe") { [self] in run() }
    }

    /// What the bouncers refused so far (every bouncer this subscription ran).
    public var bouncerIgnored: Int {
        ignoredTally.withLock { $0.retired + ($0.current?.ignoredMessages ?? 0) }
    }

    /// Asks for `request`; `Event.done` answers it.
    public func request(_ request: Request) { ask(request == .subscribe ? .subscribe : .unsubscribe) }

    /// Looks whether the net server is still there (the owner's health tick); `Event.lost` if not.
    public func check() { ask(.check) }

    private func ask(_ action: Action) {
        _ = try? process.send(cid, .scalar(ScalarMessage(id: action.rawValue)))
    }

    /// Unsubscribes if needed, ends the thread and waits for it.
    public func stop() {
        ask(.quit)
        thread.take()?.join()
        try? process.destroyServer(sid)
    }

    private func run() {
        while let envelope = try? process.receive(sid) {
            guard envelope.sender.pid == process.pid, let action = Action(rawValue: envelope.id) else { continue }
            switch action {
            case .subscribe:
                report(action, subscribe())
            case .unsubscribe:
                report(action, unsubscribe())
            case .check:
                checkNow()
            case .waitEnded:
                waitEnded()
            case .lost:
                continue
            case .quit:
                try? manager?.wifiStateUnsubscribe()
                manager = nil
                wait.take()?.abandon()
                return
            }
        }
    }

    private func subscribe() -> UInt {
        guard let manager else { return XousError.serverNotFound.code }
        do throws(XousError) {
            try manager.wifiStateSubscribe(returnCID: ownerCID, opcode: updateOpcode)
            let statistics = manager.bouncerStatistics
            ignoredTally.withLock { tally in
                tally.retired += tally.current?.ignoredMessages ?? 0
                tally.current = statistics
            }
            return 0
        } catch .serverExists {
            return 0  // already subscribed: the request is satisfied
        } catch {
            if manager.netServerLost {
                netServerGone(error)
            } else {
                logger.error("Wi-Fi subscription failed: \(error)")
            }
            return error.code
        }
    }

    private func unsubscribe() -> UInt {
        // Without a net server there is no subscription left to end.
        guard let manager else { return 0 }
        do throws(XousError) {
            try manager.wifiStateUnsubscribe()
            return 0
        } catch {
            if manager.netServerLost {
                // The bouncer is down and the subscriber table went with the net server: the
                // subscription is off, as asked.
                netServerGone(error)
                return 0
            }
            logger.error("Wi-Fi unsubscribe failed: \(error)")
            return error.code
        }
    }

    private func checkNow() {
        guard let manager else {
            // A wait that failed (the name server refused) is tried again on the next tick.
            startWaiting()
            return
        }
        do throws(XousError) {
            try manager.checkNetServer()
        } catch {
            if manager.netServerLost { netServerGone(error) }
        }
    }

    /// Tears the bouncer down (the Drop handshake, its thread joined; nothing is sent to the
    /// vanished net server), forgets the manager, tells the owner and starts waiting.
    private func netServerGone(_ error: XousError) {
        try? manager?.wifiStateUnsubscribe()
        manager = nil
        startWaiting()
        _ = try? process.send(ownerCID, .scalar(ScalarMessage(id: eventOpcode, Action.lost.rawValue, error.code, 0)))
    }

    private func startWaiting() {
        guard manager == nil, wait == nil else { return }
        do {
            wait = try NetServerWait(process: process, notifyCID: cid, logger: logger)
        } catch {
            logger.error("No thread to wait for the net server: \(error); trying again at the next health check")
        }
    }

    private func waitEnded() {
        guard let finished = wait.take() else { return }
        switch finished.finish() {
        case .success(let fresh):
            manager = fresh
            report(.waitEnded, 0)
        case .failure(let error):
            logger.warning("Waiting for the net server failed: \(error); trying again at the next health check")
        }
    }

    private func report(_ action: Action, _ code: UInt) {
        let subscribed: UInt = manager?.isSubscribed == true ? 1 : 0
        _ = try? process.send(ownerCID, .scalar(ScalarMessage(id: eventOpcode, action.rawValue, code, subscribed)))
    }
}

/// A thread parked in the name server until a net server registers (Xous's
/// `request_connection_blocking`), which then tells the subscription's worker with a Scalar.
///
/// Xous offers no way to cancel that wait, so a gateway that stops while it is still parked
/// lets the thread run on (`abandon`): it ends when a net server registers or the kernel shuts
/// down (the name server answers every parked request then), and drops what it got.
final class NetServerWait: @unchecked Sendable {
    private let lock = ConditionLock()
    private var outcome: Result<NetManager, XousError>?
    private var abandoned = false
    private var thread: OSThread?

    init(process: XousProcess, notifyCID: CID, logger: Logger) throws(XousError) {
        thread = try OSThread(xous: "gw-net-wait", stackSize: 128 * 1024) { [self] in
            let result: Result<NetManager, XousError>
            do throws(XousError) {
                let lossNotification = (notifyCID, WifiSubscription.Action.check.rawValue)
                result = .success(try NetManager(process: process, lossNotification: lossNotification, logger: logger))
            } catch {
                result = .failure(error)
            }
            let keep = lock.withLock { () -> Bool in
                if !abandoned { outcome = result }
                return !abandoned
            }
            // An abandoned wait's manager is released here, which disconnects it again.
            guard keep else { return }
            _ = try? process.send(notifyCID, .scalar(ScalarMessage(id: WifiSubscription.Action.waitEnded.rawValue)))
        }
    }

    /// Joins the thread (it has sent its Scalar, so it is ending) and returns what it got.
    func finish() -> Result<NetManager, XousError> {
        thread.take()?.join()
        return lock.withLock { outcome } ?? .failure(.internalError)
    }

    /// Lets a thread that may still be parked run on; what it gets is dropped.
    func abandon() {
        let finished = lock.withLock { () -> Bool in
            abandoned = true
            return outcome != nil
        }
        if finished {
            thread.take()?.join()
            lock.withLock { outcome = nil }
        } else {
            thread.take()?.detach()
        }
    }
}
