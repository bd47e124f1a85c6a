import Logging
import XousIPC
import SystemSupport

/// Delivers updates to one subscriber, from the caller's thread when it can and from a thread
/// of its own when it must wait.
///
/// Xous's connection manager sends to every subscriber in turn with a blocking `send`, so one
/// subscriber with a full queue stalls all the others. Here each subscriber has an outbox and a
/// pusher thread that does the blocking `send` (a Move, id `Update`): a slow subscriber holds up
/// only its own pusher, and every subscriber still gets every update in order. While nothing
/// waits in the outbox, `deliver` moves the update itself with `try_send`, which saves waking
/// the pusher on every update of a quiet link.
final class SubscriberPusher: @unchecked Sendable {
    /// Updates held for one subscriber at most; beyond that the oldest are dropped and counted.
    static let outboxCapacity = 4096

    let cid: CID
    let serial: UInt
    private let process: XousProcess
    private let managerCID: CID
    private let statistics: NetStatistics
    private let logger: Logger
    private let lock = ConditionLock()
    private var outbox = BoundedQueue<WlanStatusIpc>(capacity: SubscriberPusher.outboxCapacity)
    private var stopping = false
    /// The pusher thread holds an update it has not finished sending: a direct send now would
    /// overtake it.
    private var pusherSending = false
    private var thread: OSThread?

    init(
        process: XousProcess, cid: CID, serial: UInt, managerCID: CID,
        statistics: NetStatistics, logger: Logger
    ) throws(XousError) {
        self.process = process
        self.cid = cid
        self.serial = serial
        self.managerCID = managerCID
        self.statistics = statistics
        self.logger = logger
        thread = try OSThread(xous: "net-push-\(cid)", stackSize: 256 * 1024) { [self] in run() }
    }

    /// Sends `status` to the subscriber now if nothing is ahead of it and its queue has room,
    /// else queues it for the pusher thread; never blocks. Only the connection manager's thread
    /// calls this (and `enqueue`), so nothing can be queued between the check and the send.
    func deliver(_ status: WlanStatusIpc) {
        let direct = lock.withLock { outbox.isEmpty && !pusherSending && !stopping }
        if direct {
            do throws(XousError) {
                try process.tryMove(cid, id: WifiStateCallback.update.rawValue, Buffer(encoding: status))
                statistics.record(.pushed)
                return
            } catch {
                // A full queue or a vanished server: the pusher thread waits, or reports it.
            }
        }
        enqueue(status)
    }

    /// Queues `status` for the pusher thread; never blocks.
    func enqueue(_ status: WlanStatusIpc) {
        lock.withLock {
            if outbox.append(status) != nil { statistics.record(.outboxOverflow) }
            lock.signal()
        }
    }

    /// Stops delivering (what is still in the outbox is discarded) and joins the thread.
    /// Disconnect the subscriber first if the pusher may be parked on its full queue.
    func stop() {
        lock.withLock {
            stopping = true
            lock.signal()
        }
        thread.take()?.join()
    }

    private func next() -> WlanStatusIpc? {
        lock.withLock {
            pusherSending = false
            while outbox.isEmpty && !stopping { lock.wait() }
            if stopping { return nil }
            pusherSending = true
            return outbox.popFirst()
        }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func run() {
        while let status = next() {
            do throws(XousError) {
                try process.move(cid, id: WifiStateCallback.update.rawValue, Buffer(encoding: status))
                statistics.record(.pushed)
            } catch .serverNotFound {
                if isStopping { return }
                // The subscriber's server is gone: tell the manager, which alone edits the table.
                statistics.record(.pushFailed)
                logger.info("Wi-Fi state subscriber went away; removing it", metadata: ["serial": "\(serial)"])
                let gone = ScalarMessage(id: ConnectionManagerOpcode.subscriberGone.rawValue, UInt(cid), serial)
                _ = try? process.send(managerCID, .scalar(gone))
                return
            } catch {
                statistics.record(.pushFailed)
                logger.warning("Couldn't update Wi-Fi state subscriber: \(error)", metadata: ["serial": "\(serial)"])
            }
        }
    }
}
