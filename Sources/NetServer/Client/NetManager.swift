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
    private let logger: Logger
    private let lock = ConditionLock()
    private var subscription: Subscription?

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
        netCID = try NetConnection.acquire(for: process)
    }

    deinit {
        // Releasing the manager unsubscribes, as Xous's `Drop for NetManager` does.
        try? wifiStateUnsubscribe()
        NetConnection.release(for: process)
    }

    /// True while a bouncer is running for this manager.
    public var isSubscribed: Bool { lock.withLock { subscription != nil } }

    /// Subscribes to Wi-Fi state changes: each `WlanStatusIpc` arrives at `returnCID` (a
    /// connection to the caller's own server) as a Borrow with id `opcode`.
    ///
    /// - Throws: `ServerExists` if this manager is already subscribed (one hook per object,
    ///   as on Xous); kernel errors if no server, connection or thread can be had, in which
    ///   case nothing is left behind.
    public func wifiStateSubscribe(returnCID: CID, opcode: UInt32) throws(XousError) {
        try lock.withLock { () throws(XousError) in
            guard subscription == nil else { throw .serverExists }
            let sid = try process.createServer()
            // create_server already connected us; connect returns that same CID.
            let handlerCID: CID
            do throws(XousError) {
                handlerCID = try process.connect(sid)
            } catch {
                try? process.destroyServer(sid)
                throw error
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
    /// - Throws: the kernel's error if the net server cannot be reached; the bouncer is shut
    ///   down all the same.
    public func wifiStateUnsubscribe() throws(XousError) {
        guard let current = lock.withLock({ () -> Subscription? in
            defer { subscription = nil }
            return subscription
        }) else { return }
        let (s0, s1, s2, s3) = current.sid.words
        var failure: XousError?
        do throws(XousError) {
            _ = try process.send(
                netCID,
                .blockingScalar(ScalarMessage(
                    id: NetOpcode.unsubWifiStats.rawValue, UInt(s0), UInt(s1), UInt(s2), UInt(s3))))
        } catch {
            failure = error
        }
        // The bouncer answers Drop with 1 and destroys its server; if it is already gone
        // (destroyed by a Drop from elsewhere), the send fails and there is nothing to do.
        _ = try? process.send(current.handlerCID, .blockingScalar(ScalarMessage(id: WifiStateCallback.drop.rawValue)))
        current.thread.take()?.join()
        // The server's destruction cleared our connection to it; this is for the case it did not.
        try? process.disconnect(current.handlerCID)
        if let failure { throw failure }
    }

    /// The net server's current IPv4 configuration (`GetIpv4Config`), nil when it has none.
    public func getIpv4Config() throws(XousError) -> Ipv4Conf? {
        var buffer = Buffer(encoding: Ipv4ConfigReply(words: nil))
        try process.lendMutable(netCID, id: NetOpcode.getIpv4Config.rawValue, &buffer)
        guard let reply = try? buffer.decode(Ipv4ConfigReply.self) else { throw .serializationError }
        guard let words = reply.words else { return nil }
        return try? Ipv4Conf(words: words)
    }
}

/// One connection to the net server per process, shared by its managers and counted, because
/// `connect` to the same server returns the same CID and must not be cut while in use
/// (Xous's `NetConn` with its `REFCOUNT`).
enum NetConnection {
    private struct Entry {
        let cid: CID
        var users: Int
    }

    private static let table = Mutex<[ObjectIdentifier: Entry]>([:])

    static func acquire(for process: XousProcess) throws(XousError) -> CID {
        let key = ObjectIdentifier(process)
        if let cid = table.withLock({ table -> CID? in
            guard var entry = table[key] else { return nil }
            entry.users += 1
            table[key] = entry
            return entry.cid
        }) { return cid }
        let cid = try process.requestConnectionBlocking(serverNameNet)
        return table.withLock { table in
            if var entry = table[key] {
                entry.users += 1
                table[key] = entry
                return entry.cid
            }
            table[key] = Entry(cid: cid, users: 1)
            return cid
        }
    }

    static func release(for process: XousProcess) {
        let key = ObjectIdentifier(process)
        let last = table.withLock { table -> CID? in
            guard var entry = table[key] else { return nil }
            entry.users -= 1
            if entry.users > 0 {
                table[key] = entry
                return nil
            }
            table[key] = nil
            return entry.cid
        }
        if let last { try? process.disconnect(last) }
    }
}
