public import Logging
import Synchronization
public import XousIPC
public import SystemSupport

/// The client side of the net server (Xous's `NetManager` in `services/net/src/lib.rs`).
///
/// Subscribing to Wi-Fi state never gives the net server the subscriber's own SID: the manager
/// creates a one-time "bouncer" server, hands the net server that SID, and the bouncer
/// re-sends each update to the subscriber's own server, as a Borrow with the subscriber's own
/// opcode.
///
/// The bouncer lends each update and waits for it to be handled, so do not call
/// `wifiStateUnsubscribe` (or release the manager) from the very thread that serves
/// `returnCID` while updates may be in flight: that thread would wait for the bouncer while
/// the bouncer waits for it, as on Xous.
public final class NetManager: @unchecked Sendable {
    /// The process the manager acts for.
    public let process: XousProcess
    /// What the current (or last) bouncer did with what reached it.
    public private(set) var bouncerStatistics = BouncerStatistics()

    private let connection: NetConnection
    private var netCID: CID { connection.cid }
    private let logger: Logger
    private let lock = ConditionLock()
    private var subscription: Subscription?

    private final class Subscription {
        let sid: SID
        let handlerCID: CID
        var thread: OSThread?
        var watch: OSThread?
        init(sid: SID, handlerCID: CID, thread: consuming OSThread) {
            self.sid = sid
            self.handlerCID = handlerCID
            self.thread = .some(thread)
        }
    }

    /// Where to say that the net server went away, and with which opcode (a Scalar).
    private let lossNotification: (cid: CID, id: MessageID)?

    /// Connects `process` to the net server, waiting until it is registered
    /// (`request_connection_blocking(SERVER_NAME_NET)`).
    ///
    /// - Parameter lossNotification: a connection and an opcode to send a Scalar to when, while
    ///   subscribed, the manager finds the net server gone (beyond Xous: see `wifiStateSubscribe`).
    public init(
        process: XousProcess, lossNotification: (cid: CID, id: MessageID)? = nil,
        logger: Logger = Logger(label: "net.manager")
    ) throws(XousError) {
        self.process = process
        self.logger = logger
        self.lossNotification = lossNotification
        connection = try NetConnection.acquire(for: process)
    }

    deinit {
        // Releasing the manager unsubscribes, as Xous's `Drop for NetManager` does.
        try? wifiStateUnsubscribe()
        connection.release()
    }

    /// True while a bouncer is running for this manager.
    public var isSubscribed: Bool { lock.withLock { subscription != nil } }

    /// True once a call found the net server gone (`ServerNotFound` on its connection).
    ///
    /// From then on every call fails with `ServerNotFound` without sending anything, and the
    /// manager stays that way: a net server that registers again is a new server, reached only
    /// through a new `NetManager` (whose `init` waits for the registration).
    public var netServerLost: Bool { connection.isGone }

    /// Checks that the net server this manager connected to is still there, with the cheapest
    /// call Xous's net server answers (`GetIpv4Config`): a net server that went away, even one
    /// that has registered again since, fails it with `ServerNotFound`, because its going away
    /// cleared this process's connection.
    ///
    /// The net server never tells a subscriber that it lost its subscriber table (it only logs
    /// failed pushes, and a Move cannot carry an error back), so this is how a subscriber notices.
    /// - Throws: `ServerNotFound` if the net server went away (then `netServerLost` is true).
    public func checkNetServer() throws(XousError) {
        _ = try getIpv4Config()
    }

    /// Subscribes to Wi-Fi state changes: each `WlanStatusIpc` arrives at `returnCID` (a
    /// connection to the caller's own server) as a Borrow with id `opcode`.
    ///
    /// Beyond Xous, a thread of the manager's then parks in the net server on `WatchWifiStats`
    /// for as long as the subscription lasts. When the net server's process ends the kernel
    /// answers it `ServerNotFound`: the manager notes the net server lost and sends the
    /// `lossNotification` Scalar at once, where Xous would only notice at its next call.
    ///
    /// - Throws: `ServerExists` if this manager is already subscribed (one hook per object,
    ///   as on Xous); kernel errors if no server, connection or thread can be had, in which
    ///   case nothing is left behind.
    public func wifiStateSubscribe(returnCID: CID, opcode: UInt32) throws(XousError) {
        try lock.withLock { () throws(XousError) in
            guard subscription == nil else { throw .serverExists }
            guard !connection.isGone else { throw .serverNotFound }
            let sid = try process.createServer()
            // create_server already connected us; connect returns that same CID.
            let handlerCID: CID
            do throws(XousError) {
                handlerCID = try process.connect(sid)
            } catch {
                try? process.destroyServer(sid)
                throw error
            }
            // The kernel gives a new connection the lowest free slot. If that is the net
            // server's, the net server went away and cleared it: the move below would reach the
            // bouncer itself, and the subscription would seem to succeed while nothing comes.
            guard handlerCID != netCID else {
                try? process.destroyServer(sid)
                connection.markGone()
                throw .serverNotFound
            }
            let statistics = BouncerStatistics()
            let bouncer = Bouncer(
                process: process, sid: sid, returnCID: returnCID, opcode: opcode,
                statistics: statistics, logger: logger)
            // The bouncer starts before the net server learns the SID, so no update waits on a
            // server with nobody receiving.
            let thread: OSThread
            do throws(XousError) {
                thread = try OSThread(xous: "net-bouncer", stackSize: 256 * 1024) { bouncer.run() }
            } catch {
                try? process.destroyServer(sid)
                throw error
            }
            do throws(XousError) {
                try process.move(
                    netCID, id: NetOpcode.subscribeWifiStats.rawValue,
                    Buffer(encoding: WifiStateSubscription(sid: sid, opcode: opcode)))
            } catch {
                if error == .serverNotFound { connection.markGone() }
                _ = try? process.send(
                    handlerCID, .blockingScalar(ScalarMessage(id: WifiStateCallback.drop.rawValue)))
                thread.join()
                throw error
            }
            bouncerStatistics = statistics
            let started = Subscription(sid: sid, handlerCID: handlerCID, thread: thread)
            // Without a thread to watch with, the loss is noticed at the next call instead.
            // Weakly: a manager released by its owner unsubscribes in deinit, which ends the watch.
            started.watch = try? OSThread(name: "net-watch", stackSize: 128 * 1024) { [weak self, process, netCID] in
                let call = ScalarMessage(id: NetOpcode.watchWifiStats.rawValue, sid: sid)
                switch Result(catching: { () throws(XousError) in try process.send(netCID, .blockingScalar(call)) }) {
                case .success(.scalar1(WatchWifiStatsReply.stopping.rawValue)), .failure(.serverNotFound):
                    self?.netServerVanished()
                case .success, .failure:
                    break  // the subscription ended, or this process did
                }
            }
            subscription = started
        }
    }

    /// The watch found the net server gone (or going): note it and tell the owner.
    private func netServerVanished() {
        connection.markGone()
        logger.debug("The net server went away while subscribed")
        if let lossNotification {
            _ = try? process.send(lossNotification.cid, .scalar(ScalarMessage(id: lossNotification.id)))
        }
    }

    /// Unsubscribes: tells the net server to forget the bouncer (BlockingScalar
    /// `UnsubWifiStats` with its SID words, acknowledged with 1), then shuts the bouncer down
    /// with the `Drop` handshake and waits for its thread. A no-op when not subscribed.
    ///
    /// - Throws: the kernel's error if the net server cannot be reached (`ServerNotFound` when
    ///   it went away, and with it the subscription); the bouncer is shut down all the same.
    public func wifiStateUnsubscribe() throws(XousError) {
        guard let current = lock.withLock({ () -> Subscription? in
            defer { subscription = nil }
            return subscription
        }) else { return }
        var failure: XousError?
        do throws(XousError) {
            try sendToNetServer(.blockingScalar(ScalarMessage(id: NetOpcode.unsubWifiStats.rawValue, sid: current.sid)))
        } catch {
            failure = error
        }
        // The bouncer answers Drop with 1 and destroys its server; if it is already gone
        // (its thread ended early), the send fails and there is nothing to do.
        _ = try? process.send(current.handlerCID, .blockingScalar(ScalarMessage(id: WifiStateCallback.drop.rawValue)))
        current.thread.take()?.join()
        // The net server answered the watch when it removed the subscription (or the kernel did
        // when it went). One that does not know the call (Xous's own) never answers: that
        // thread is left parked rather than waited for forever.
        if let watch = current.watch.take(), !watch.join(orDetachAfterMilliseconds: 1_000) {
            logger.debug("The net server did not answer the watch; leaving its thread parked")
        }
        // The server's destruction cleared our connection to it; this is for the case it did not.
        try? process.disconnect(current.handlerCID)
        if let failure { throw failure }
    }

    /// The net server's current IPv4 configuration (`GetIpv4Config`), nil when it has none.
    public func getIpv4Config() throws(XousError) -> Ipv4Conf? {
        var buffer = Buffer(encoding: Ipv4ConfigReply(words: nil))
        try onNetServer { () throws(XousError) in
            try process.lendMutable(netCID, id: NetOpcode.getIpv4Config.rawValue, &buffer)
        }
        guard let reply = try? buffer.decode(Ipv4ConfigReply.self) else { throw .serializationError }
        guard let words = reply.words else { return nil }
        return try? Ipv4Conf(words: words)
    }

    private func sendToNetServer(_ message: Message) throws(XousError) {
        try onNetServer { () throws(XousError) in _ = try process.send(netCID, message) }
    }

    /// Runs `call` on the net server's connection unless it is known gone, and notes it gone
    /// when the call finds it so.
    private func onNetServer(_ call: () throws(XousError) -> Void) throws(XousError) {
        guard !connection.isGone else { throw .serverNotFound }
        do throws(XousError) {
            try call()
        } catch {
            if error == .serverNotFound { connection.markGone() }
            throw error
        }
    }
}

/// One connection to the net server per process, shared by its managers and counted, because
/// `connect` to the same server returns the same CID and must not be cut while in use
/// (Xous's `NetConn` with its `REFCOUNT`).
///
/// Once a call finds the net server gone, the connection is gone for every manager that shares
/// it: when the net server's process ended, the kernel left a tombstone in the slot, which is
/// disconnected at once so that the slot is not lost; when the net server only destroyed its
/// server, the kernel cleared the slot and may hand the number to this process's next
/// connection, so nothing may be sent on it again. A new manager connects afresh.
final class NetConnection: @unchecked Sendable {
    let cid: CID
    private let process: XousProcess
    private let state = Mutex<(users: Int, gone: Bool)>((1, false))

    private static let table = Mutex<[ObjectIdentifier: NetConnection]>([:])

    private init(cid: CID, process: XousProcess) {
        self.cid = cid
        self.process = process
    }

    /// The process's live connection, counted once more, or a new one (waiting for the net
    /// server to register).
    static func acquire(for process: XousProcess) throws(XousError) -> NetConnection {
        let key = ObjectIdentifier(process)
        if let shared = table.withLock({ $0[key] }), shared.retain() { return shared }
        let cid = try process.requestConnectionBlocking(serverNameNet)
        return table.withLock { table in
            if let shared = table[key], shared.cid == cid, shared.retain() { return shared }
            // Any other entry is a connection that went stale while this one waited.
            let fresh = NetConnection(cid: cid, process: process)
            table[key] = fresh
            return fresh
        }
    }

    /// True once a call found the net server gone.
    var isGone: Bool { state.withLock { $0.gone } }

    /// Counts one more user unless the connection is gone.
    private func retain() -> Bool {
        state.withLock { state in
            guard !state.gone else { return false }
            state.users += 1
            return true
        }
    }

    /// One user fewer; the last disconnects.
    func release() {
        let last = state.withLock { state -> Bool in
            state.users -= 1
            return state.users == 0 && !state.gone
        }
        guard last else { return }
        Self.table.withLock { table in
            if table[ObjectIdentifier(process)] === self { table[ObjectIdentifier(process)] = nil }
        }
        try? process.disconnect(cid)
    }

    /// The net server went away: no manager may use this connection again.
    func markGone() {
        let first = state.withLock { state -> Bool in
            defer { state.gone = true }
            return !state.gone
        }
        guard first else { return }
        Self.table.withLock { table in
            if table[ObjectIdentifier(process)] === self { table[ObjectIdentifier(process)] = nil }
        }
        // Frees a tombstone; a slot the kernel already cleared answers ServerNotFound.
        try? process.disconnect(cid)
    }
}
