import Logging
import Synchronization
import XousIPC

/// The net server's private connection manager: owns the subscriber table and the cached
/// Wi-Fi state, and pushes every state change to every subscriber.
///
/// A server of its own (created, never registered, so only the net process can reach it),
/// as in Xous, where the public main loop forwards `SubscribeWifiStats` and `UnsubWifiStats`
/// here unchanged.
final class ConnectionManager: @unchecked Sendable {
    let sid: SID
    let cid: CID
    private let process: XousProcess
    private let latch: WifiEventLatch
    private let statistics: NetStatistics
    private let snapshot: StatusSnapshot
    private let watches: SubscriptionWatches
    private let logger: Logger

    private struct Subscriber {
        let subscription: WifiStateSubscription
        let pusher: SubscriberPusher
    }

    // Touched only by the manager's thread: it alone changes the table.
    /// Keyed by CID like Xous's `HashMap<CID, WifiStateSubscription>`, kept in subscription order.
    private var subscribers: [(cid: CID, subscriber: Subscriber)] = []
    private var nextSerial: UInt = 1

    init(
        process: XousProcess, latch: WifiEventLatch, statistics: NetStatistics,
        snapshot: StatusSnapshot, watches: SubscriptionWatches, logger: Logger
    ) throws(XousError) {
        self.process = process
        self.latch = latch
        self.statistics = statistics
        self.snapshot = snapshot
        self.watches = watches
        self.logger = logger
        sid = try process.createServer()
        cid = try process.connect(sid)
    }

    /// The manager's loop; returns on `Quit` from its own process.
    func run() {
        while true {
            guard let envelope = try? process.receive(sid) else {
                // The server is gone (the process was terminated): the pushers end with it.
                for entry in subscribers { remove(entry.cid, disconnect: true) }
                return
            }
            switch ConnectionManagerOpcode(rawValue: envelope.id) {
            case .subscribeWifiStats:
                subscribe(envelope)
            case .unsubWifiStats:
                unsubscribe(envelope)
            case .comInt:
                for status in latch.drain() { stateChanged(status) }
            case .subscriberGone where envelope.sender.pid == process.pid:
                if let scalar = envelope.scalar { prune(cid: CID(truncatingIfNeeded: scalar.arg1), serial: scalar.arg2) }
            case .watchHeld where envelope.sender.pid == process.pid:
                if let sid = envelope.scalar?.sidArgument,
                   !subscribers.contains(where: { $0.subscriber.subscription.sid == sid }) {
                    watches.release(sid)
                }
            case .quit where envelope.sender.pid == process.pid:
                for entry in subscribers { remove(entry.cid, disconnect: true) }
                return
            case .subscriberGone, .watchHeld, .quit, nil:
                reject(envelope, "unknown opcode \(envelope.id & 0x7fff)")
            }
        }
    }

    private func subscribe(_ envelope: consuming MessageEnvelope) {
        guard envelope.kind == .move else {
            reject(envelope, "SubscribeWifiStats must be a Move, got \(envelope.kind)")
            return
        }
        let subscription: WifiStateSubscription
        do {
            subscription = try envelope.decode(WifiStateSubscription.self)
        } catch {
            reject(envelope, "malformed WifiStateSubscription: \(error)")
            return
        }
        // Xous blocks in connect() here; try_connect keeps a bogus SID from stalling the manager.
        let subscriberCID: CID
        do {
            subscriberCID = try process.tryConnect(subscription.sid)
        } catch {
            statistics.record(.rejected)
            logger.warning("Wi-Fi state subscription names no live server: \(error)")
            return
        }
        if let old = subscribers.first(where: { $0.cid == subscriberCID }) {
            // Same server subscribed again, or a CID reused after the old server died: the new
            // subscription replaces the old one, whose connection slot is this one now.
            remove(subscriberCID, disconnect: false)
            if old.subscriber.subscription.sid != subscription.sid { statistics.record(.pruned) }
        }
        let pusher: SubscriberPusher
        do {
            pusher = try SubscriberPusher(
                process: process, cid: subscriberCID, serial: nextSerial, managerCID: cid,
                statistics: statistics, logger: logger)
        } catch {
            statistics.record(.rejected)
            logger.error("No thread for a Wi-Fi state subscriber: \(error)")
            try? process.disconnect(subscriberCID)
            return
        }
        nextSerial += 1
        subscribers.append((subscriberCID, Subscriber(subscription: subscription, pusher: pusher)))
        statistics.record(.subscribed)
        // Beyond Xous, which sends nothing until the next change: the new subscriber learns
        // the current state at once instead of showing Unknown until something happens.
        pusher.deliver(WlanStatusIpc(snapshot.value))
    }

    private func unsubscribe(_ envelope: consuming MessageEnvelope) {
        guard envelope.kind == .blockingScalar, let scalar = envelope.scalar else {
            // Xous's msg_blocking_scalar_unpack! skips other kinds with a log line.
            reject(envelope, "UnsubWifiStats must be a BlockingScalar, got \(envelope.kind)")
            return
        }
        let sid = scalar.sidArgument
        let match = subscribers.first { $0.subscriber.subscription.sid == sid }?.cid
        // Ack first, then remove, in Xous's order; an unknown SID is acknowledged too.
        try? process.returnScalar(envelope.sender, 1)
        if let match {
            remove(match, disconnect: true)
            statistics.record(.unsubscribed)
        }
    }

    private func prune(cid: CID, serial: UInt) {
        guard subscribers.contains(where: { $0.cid == cid && $0.subscriber.pusher.serial == serial }) else { return }
        // A destroyed server's connection was cleared by the kernel; a terminated process's is
        // a tombstone that holds its slot until disconnected. Only this thread connects in the
        // net process and a reused CID replaces the entry (and its serial), so with the serial
        // matching the slot is still this subscriber's: disconnect it either way.
        let sid = subscribers.first { $0.cid == cid }?.subscriber.subscription.sid
        remove(cid, disconnect: true)
        statistics.record(.pruned)
        if let sid { watches.release(sid) }
    }

    private func remove(_ cid: CID, disconnect: Bool) {
        guard let index = subscribers.firstIndex(where: { $0.cid == cid }) else { return }
        let entry = subscribers.remove(at: index)
        // Disconnecting first wakes a pusher parked on the subscriber's full queue.
        if disconnect { try? process.disconnect(cid) }
        entry.subscriber.pusher.stop()
        statistics.record(.removed)
    }

    private func stateChanged(_ status: WlanStatus) {
        snapshot.value = status
        statistics.record(.stateChanged)
        let update = WlanStatusIpc(status)
        for entry in subscribers { entry.subscriber.pusher.deliver(update) }
    }

    private func reject(_ envelope: borrowing MessageEnvelope, _ reason: String) {
        statistics.record(.rejected)
        logger.warning("Connection manager ignored a message: \(reason)")
        envelope.refuse()
    }
}
