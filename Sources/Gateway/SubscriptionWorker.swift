import Logging
import NetServer
import Synchronization
import XousIPC

/// Runs the `NetManager` calls on a server thread of its own, and notices when the net server
/// goes away.
///
/// The bouncer lends each update to the main server and waits; if the main server itself ran
/// the unsubscribe handshake, it would wait for the bouncer while the bouncer waits for it. So
/// the main server asks this worker (a Scalar), keeps serving updates, and hears back (a
/// Scalar `subscriptionResult`) when the handshake is done.
///
/// The net server never tells a subscriber that it lost its subscriber table: on Xous it only
/// logs a failed push, and a Move carries no error back. So the worker looks for itself: the
/// manager's watch (a call the net server holds while subscribed, which the kernel answers when
/// the net server's process ends) asks it to check at once, and on every health tick it sends
/// the net server the cheapest call it answers (`GetIpv4Config`). Any call that fails with
/// `ServerNotFound` means the net server it subscribed to went away, even if another has
/// registered since (its going away cleared or tombstoned this process's connection). Then the worker tears the bouncer down, reports `netServerLost`, and waits on a
/// thread of its own (`NetServerWait`, parked in the name server, no polling) for a net server
/// to register; when one does it reports `netServerBack`, and the main server subscribes again.
final class SubscriptionWorker: @unchecked Sendable {
    enum Action: UInt {
        case subscribe = 1
        case unsubscribe = 2
        case quit = 3
        /// From the main server on each health tick, and from the manager's watch when the net
        /// server went away: is the net server still the one we hold?
        case check = 4
        /// From the waiter thread: it is done waiting (a net server registered, or it failed).
        /// As a `subscriptionResult` to the main server: a net server is reachable again.
        case netServerBack = 5
        /// Only as a `subscriptionResult` to the main server: the net server went away (the
        /// second word is the error). It answers no request.
        case netServerLost = 6
    }

    private let process: XousProcess
    private let sid: SID
    private let cid: CID
    private let mainCID: CID
    private let logger: Logger
    private var thread: XousThread?
    /// Bouncers' refusals: the current bouncer's statistics plus those of every earlier one,
    /// so that the counter never goes back when a bouncer is replaced.
    private let ignoredTally = Mutex<(retired: Int, current: BouncerStatistics?)>((0, nil))

    // Touched only by the worker thread once it runs.
    /// Nil while the net server is gone: a manager that saw it go is useless (its CID may
    /// belong to someone else by now), and a new one comes from `wait`.
    private var manager: NetManager?
    private var wait: NetServerWait?

    /// Connects to the net server (waiting for it to register) and starts the worker thread.
    init(process: XousProcess, mainCID: CID, logger: Logger) throws {
        self.process = process
        self.mainCID = mainCID
        self.logger = logger
        sid = try process.createServer()
        cid = try process.connect(sid)
        manager = try NetManager(process: process, lossNotification: (cid, Action.check.rawValue), logger: logger)
        thread = try XousThread(name: "gw-subscribe") { [self] in run() }
    }

    /// What the bouncers refused so far.
    var bouncerIgnored: Int {
        ignoredTally.withLock { $0.retired + ($0.current?.ignoredMessages ?? 0) }
    }

    /// Asks for `action`; the answer arrives at the main server as `subscriptionResult`.
    func request(_ action: Action) {
        _ = try? process.send(cid, .scalar(ScalarMessage(id: action.rawValue)))
    }

    /// Unsubscribes if needed, ends the thread and waits for it.
    func stop() {
        request(.quit)
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
                check()
            case .netServerBack:
                waitEnded()
            case .netServerLost:
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
            try manager.wifiStateSubscribe(returnCID: mainCID, opcode: UInt32(GatewayOpcode.wifiUpdate.rawValue))
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

    private func check() {
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
    /// vanished net server), forgets the manager, tells the main server and starts waiting.
    private func netServerGone(_ error: XousError) {
        try? manager?.wifiStateUnsubscribe()
        manager = nil
        startWaiting()
        _ = try? process.send(
            mainCID,
            .scalar(ScalarMessage(
                id: GatewayOpcode.subscriptionResult.rawValue, Action.netServerLost.rawValue, error.code, 0)))
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
            report(.netServerBack, 0)
        case .failure(let error):
            logger.warning("Waiting for the net server failed: \(error); trying again at the next health check")
        }
    }

    private func report(_ action: Action, _ code: UInt) {
        let subscribed: UInt = manager?.isSubscribed == true ? 1 : 0
        _ = try? process.send(
            mainCID,
            .scalar(ScalarMessage(id: GatewayOpcode.subscriptionResult.rawValue, action.rawValue, code, subscribed)))
    }
}

/// A thread parked in the name server until a net server registers (Xous's
/// `request_connection_blocking`), which then tells the worker with a Scalar.
///
/// Xous offers no way to cancel that wait, so a gateway that stops while it is still parked
/// lets the thread run on (`abandon`): it ends when a net server registers or the kernel shuts
/// down (the name server answers every parked request then), and drops what it got.
final class NetServerWait: @unchecked Sendable {
    private let lock = ConditionLock()
    private var outcome: Result<NetManager, XousError>?
    private var abandoned = false
    private var thread: XousThread?

    init(process: XousProcess, notifyCID: CID, logger: Logger) throws(XousError) {
        thread = try XousThread(name: "gw-net-wait", stackSize: 128 * 1024) { [self] in
            let result: Result<NetManager, XousError>
            do throws(XousError) {
                let lossNotification = (notifyCID, SubscriptionWorker.Action.check.rawValue)
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
            _ = try? process.send(notifyCID, .scalar(ScalarMessage(id: SubscriptionWorker.Action.netServerBack.rawValue)))
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
