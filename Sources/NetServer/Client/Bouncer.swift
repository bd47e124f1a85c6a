import Logging
import XousIPC

/// The single-purpose server that stands between the net server and the subscriber.
///
/// The net server only ever learns this one-time SID, never the subscriber's own; and this
/// server accepts exactly two things: `Update` as a Move carrying a well-formed
/// `WlanStatusIpc`, and `Drop` as a BlockingScalar from the subscriber's own process.
/// Everything else is counted and ignored, because the net server is not trusted.
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
            case (.drop, .blockingScalar) where envelope.sender.pid == process.pid:
                try? process.returnScalar(envelope.sender, 1)
                return
            case (.drop, .blockingScalar):
                // Whoever holds the SID (the net server, or anyone it passed it to) could
                // otherwise end the subscription without the subscriber knowing.
                refuse(envelope, .strangerDrop, "a Drop from another process")
            case (.update, _), (.drop, _):
                refuse(envelope, .wrongKind, "an Update or Drop of the wrong kind (\(envelope.kind))")
            case (nil, _):
                refuse(envelope, .unknownOpcode, "an unknown opcode (\(envelope.kind))")
            }
        }
    }

    private func refuse(_ envelope: borrowing MessageEnvelope, _ reason: BouncerEvent, _ what: String) {
        note(reason, what)
        // A hostile sender must not pin a queue slot: that would make destroy_server fail
        // with ServerQueueFull at unsubscribe. (A Borrow goes back when the envelope drops.)
        envelope.refuse()
    }

    /// Counts a refusal and logs it, but only the 1st, 2nd, 4th, 8th, … one: a peer that floods
    /// the bouncer must not flood the log too (or slow the bouncer down with it). The opcode a
    /// peer chose is not logged; the kind and the count say enough.
    private func note(_ reason: BouncerEvent, _ what: String) {
        let count = statistics.record(reason, countingTogether: BouncerEvent.refusals)
        guard count & (count - 1) == 0 else { return }
        logger.warning("Wi-Fi state bouncer ignored \(what); \(count) ignored so far")
    }

    private func bounce(_ envelope: borrowing MessageEnvelope) {
        let status: WlanStatusIpc
        do {
            status = try envelope.decode(WlanStatusIpc.self)
        } catch {
            note(.malformedUpdate, "a malformed update (\(error))")
            return
        }
        // Pages cannot be re-lent: re-serialize into our own buffer and lend that (a blocking
        // Borrow), so the bouncer waits until the subscriber has handled the update.
        do {
            try process.lend(returnCID, id: MessageID(opcode), Buffer(encoding: status))
            statistics.record(.forwarded)
        } catch {
            statistics.record(.undelivered)
            logger.warning("Wi-Fi state bouncer could not reach its subscriber: \(error)")
        }
    }
}
