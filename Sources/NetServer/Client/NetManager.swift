public import Logging
import Synchronization
public import XousIPC

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

    private let netCID: CID
    private let netConnection: UInt64
    private let logger: Logger
    private let lock = ConditionLock()
    private var subscription: Subscription?
    /// Set once a call on `netCID` failed with ServerNotFound: the kernel cleared that slot when
    /// the net server went away, and may hand the same number to the next connection this
    /// process makes, so nothing may be sent on it again.
    private var netServerGone = false

    private final class Subscription {
        let sid: SID
        let handlerCID: CID
        var thread: XousThread?
        init(sid: SID, handlerCID: CID, thread: consuming XousThread) {
            self.sid = sid
            self.handlerCID = handlerCID
            self.thread = .some(thread)
        }
    }

    /// Connects `process` to the net server, waiting until it is registered
    /// (`request_connection_blocking(SERVER_NAME_NET)`).
    public init(process: XousProcess, logger: Logger = Logger(label: "net.manager")) throws(XousError) {
        self.process = process
        self.logger = logger
        (netCID, netConnection) = try NetConnection.acquire(for: process)
    }

    deinit {
        // Releasing the manager unsubscribes, as Xous's `Drop for NetManager` does.
        try? wifiStateUnsubscribe()
        NetConnection.release(for: process, connection: netConnection)
    }

    /// True while a bouncer is running for this manager.
    public var isSubscribed: Bool { lock.withLock { subscription != nil } }

    /// True once a call found the net server gone (`ServerNotFound` on its connection).
    ///
    /// From then on every call fails with `ServerNotFound` without sending anything, and the
    /// manager stays that way: a net server that registers again is a new server, reached only
    /// through a new `NetManager` (whose `init` waits for the registration).
    public var netServerLost: Bool { lock.withLock { netServerGone } }

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
    /// - Throws: `ServerExists` if this manager is already subscribed (one hook per object,
    ///   as on Xous); kernel errors if no server, connection or thread can be had, in which
    ///   case nothing is left behind.
    public func wifiStateSubscribe(returnCID: CID, opcode: UInt32) throws(XousError) {
        try lock.withLock { () throws(XousError) in
            guard subscription == nil else { throw .serverExists }
            guard !netServerGone else { throw .serverNotFound }
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
                markNetServerGoneLocked()
                throw .serverNotFound
            }
            let statistics = BouncerStatistics()
            let bouncer = Bouncer(
                process: process, sid: sid, returnCID: returnCID, opcode: opcode,
                statistics: statistics, logger: logger)
            // The bouncer starts before the net server learns the SID, so no update waits on a
            // server with nobody receiving.
            let thread: XousThread
            do throws(XousError) {
                thread = try XousThread(name: "net-bouncer", stackSize: 256 * 1024) { bouncer.run() }
            } catch {
                try? process.destroyServer(sid)
                throw error
            }
            do throws(XousError) {
                try process.move(
                    netCID, id: NetOpcode.subscribeWifiStats.rawValue,
                    Buffer(encoding: WifiStateSubscription(sid: sid, opcode: opcode)))
            } catch {
                if error == .serverNotFound { markNetServerGoneLocked() }
                _ = try? process.send(
                    handlerCID, .blockingScalar(ScalarMessage(id: WifiStateCallback.drop.rawValue)))
                thread.join()
                throw error
            }
            bouncerStatistics = statistics
            subscription = Subscription(sid: sid, handlerCID: handlerCID, thread: thread)
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
        let (s0, s1, s2, s3) = current.sid.words
        var failure: XousError?
        do throws(XousError) {
            try sendToNetServer(
                .blockingScalar(ScalarMessage(
                    id: NetOpcode.unsubWifiStats.rawValue, UInt(s0), UInt(s1), UInt(s2), UInt(s3))))
        } catch {
            failure = error
        }
        // The bouncer answers Drop with 1 and destroys its server; if it is already gone
        // (its thread ended early), the send fails and there is nothing to do.
        _ = try? process.send(current.handlerCID, .blockingScalar(ScalarMessage(id: WifiStateCallback.drop.rawValue)))
        current.thread.take()?.join()
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
        guard !netServerLost else { throw .serverNotFound }
        do throws(XousError) {
            try call()
        } catch {
            if error == .serverNotFound { markNetServerGone() }
            throw error
        }
    }

    /// Remembers that the net server is gone and lets go of the shared connection entry, so the
    /// next manager of this process connects afresh instead of inheriting the dead CID.
    private func markNetServerGone() {
        lock.withLock { markNetServerGoneLocked() }
    }

    /// `markNetServerGone` for a caller that holds `lock`.
    private func markNetServerGoneLocked() {
        guard !netServerGone else { return }
        netServerGone = true
        NetConnection.forget(for: process, connection: netConnection)
    }
}

/// One connection to the net server per process, shared by its managers and counted, because
/// `connect` to the same server returns the same CID and must not be cut while in use
/// (Xous's `NetConn` with its `REFCOUNT`).
///
/// Each connection also has a serial number: when the net server goes away the kernel clears
/// the slot and may give its CID to the next connection, so a manager holding the old one must
/// never release (disconnect) a CID that now belongs to the new one.
enum NetConnection {
    private struct Entry {
        let cid: CID
        let serial: UInt64
        var users: Int
    }

    private struct Table {
        var entries: [ObjectIdentifier: Entry] = [:]
        var nextSerial: UInt64 = 1
    }

    private static let table = Mutex(Table())

    static func acquire(for process: XousProcess) throws(XousError) -> (CID, UInt64) {
        let key = ObjectIdentifier(process)
        if let found = table.withLock({ table -> (CID, UInt64)? in
            guard var entry = table.entries[key] else { return nil }
            entry.users += 1
            table.entries[key] = entry
            return (entry.cid, entry.serial)
        }) { return found }
        let cid = try process.requestConnectionBlocking(serverNameNet)
        return table.withLock { table in
            if var entry = table.entries[key], entry.cid == cid {
                entry.users += 1
                table.entries[key] = entry
                return (entry.cid, entry.serial)
            }
            // Another manager's entry for a different CID is a connection that went stale while
            // this one waited; the kernel already cleared it.
            let entry = Entry(cid: cid, serial: table.nextSerial, users: 1)
            table.nextSerial += 1
            table.entries[key] = entry
            return (entry.cid, entry.serial)
        }
    }

    static func release(for process: XousProcess, connection serial: UInt64) {
        let key = ObjectIdentifier(process)
        let last = table.withLock { table -> CID? in
            guard var entry = table.entries[key], entry.serial == serial else { return nil }
            entry.users -= 1
            if entry.users > 0 {
                table.entries[key] = entry
                return nil
            }
            table.entries[key] = nil
            return entry.cid
        }
        if let last { try? process.disconnect(last) }
    }

    /// Drops the entry of a connection whose server went away, without disconnecting: the kernel
    /// cleared the slot, which may already hold someone else's connection.
    static func forget(for process: XousProcess, connection serial: UInt64) {
        let key = ObjectIdentifier(process)
        table.withLock { table in
            if table.entries[key]?.serial == serial { table.entries[key] = nil }
        }
    }
}
