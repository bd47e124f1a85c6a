import Logging
import NetServer
import XousIPC

/// Runs the `NetManager` calls on a server thread of its own.
///
/// The bouncer lends each update to the main server and waits; if the main server itself ran
/// the unsubscribe handshake, it would wait for the bouncer while the bouncer waits for it. So
/// the main server asks this worker (a Scalar), keeps serving updates, and hears back (a
/// Scalar `subscriptionResult`) when the handshake is done.
final class SubscriptionWorker: @unchecked Sendable {
    enum Action: UInt {
        case subscribe = 1
        case unsubscribe = 2
        case quit = 3
    }

    private let process: XousProcess
    private let sid: SID
    private let cid: CID
    private let mainCID: CID
    private let manager: NetManager
    private let logger: Logger
    private var thread: XousThread?

    /// Connects to the net server (waiting for it to register) and starts the worker thread.
    init(process: XousProcess, mainCID: CID, logger: Logger) throws {
        self.process = process
        self.mainCID = mainCID
        self.logger = logger
        manager = try NetManager(process: process, logger: logger)
        sid = try process.createServer()
        cid = try process.connect(sid)
        thread = try XousThread(name: "gw-subscribe") { [self] in run() }
    }

    /// What the bouncer refused so far.
    var bouncerIgnored: Int { manager.bouncerStatistics.ignoredMessages }

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
                let code: UInt
                do {
                    try manager.wifiStateSubscribe(returnCID: mainCID, opcode: UInt32(GatewayOpcode.wifiUpdate.rawValue))
                    code = 0
                } catch .serverExists {
                    code = 0  // already subscribed: the request is satisfied
                } catch {
                    logger.error("Wi-Fi subscription failed: \(error)")
                    code = UInt(error.rawValue)
                }
                report(action, code)
            case .unsubscribe:
                let code: UInt
                do {
                    try manager.wifiStateUnsubscribe()
                    code = 0
                } catch {
                    logger.error("Wi-Fi unsubscribe failed: \(error)")
                    code = UInt(error.rawValue)
                }
                report(action, code)
            case .quit:
                try? manager.wifiStateUnsubscribe()
                return
            }
        }
    }

    private func report(_ action: Action, _ code: UInt) {
        let subscribed: UInt = manager.isSubscribed ? 1 : 0
        _ = try? process.send(
            mainCID,
            .scalar(ScalarMessage(id: GatewayOpcode.subscriptionResult.rawValue, action.rawValue, code, subscribed)))
    }
}
