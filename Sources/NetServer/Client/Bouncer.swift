import Logging
import XousIPC

/// The single-purpose server that stands between the net server and the subscriber.
///
/// The net server only ever learns this one-time SID, never the subscriber's own; and this
/// server accepts exactly two things: `Update` as a Move carrying a well-formed
/// `WlanStatusIpc`, and `Drop` as a BlockingScalar. Everything else is logged, counted and
/// ignored, because the net server is not trusted.
struct Bouncer: Sendable {
    let process: XousProcess
    let sid: SID
    let returnCID: CID
    let opcode: UInt32
    let statistics: BouncerStatistics
    let logger: Logger

    /// Serves until `Drop`, then destroys the one-time server.
    func run() {
        serve()
        // Nothing blocking is left unanswered here, so this cannot fail with ServerQueueFull.
        try? process.destroyServer(sid)
    }

    private func serve() {
        while true {
            guard let envelope = try? process.receive(sid) else { return }
            switch (WifiStateCallback(rawValue: envelope.id), envelope.kind) {
            case (.update, .move):
                bounce(envelope)
            case (.drop, .blockingScalar):
                try? process.returnScalar(envelope.sender, 1)
                return
            default:
                statistics.ignored()
                logger.warning(
                    "Wi-Fi state bouncer ignored a message",
                    metadata: ["opcode": "\(envelope.id)", "kind": "\(envelope.kind)"])
                // A hostile sender must not pin a queue slot: that would make destroy_server
                // fail with ServerQueueFull at unsubscribe.
                envelope.refuse()
            }
        }
    }

    private func bounce(_ envelope: borrowing MessageEnvelope) {
        let status: WlanStatusIpc
        do {
            status = try envelope.decode(WlanStatusIpc.self)
        } catch {
            statistics.ignored()
            logger.warning("Wi-Fi state bouncer ignored a malformed update: \(error)")
            return
        }
        // Pages cannot be re-lent: re-serialize into our own buffer and lend that (a blocking
        // Borrow), so the bouncer waits until the subscriber has handled the update.
        do {
            try process.lend(returnCID, id: MessageID(opcode), Buffer(encoding: status))
            statistics.forwarded()
        } catch {
            statistics.undelivered()
            logger.warning("Wi-Fi state bouncer could not reach its subscriber: \(error)")
        }
    }
}
