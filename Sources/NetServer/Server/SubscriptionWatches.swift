import Synchronization
import XousIPC

/// Held `WatchWifiStats` calls: a subscriber's thread parked in the net server until its
/// subscription ends, so that it learns at once when the net server does.
///
/// Beyond Xous, whose net server never tells a subscriber anything but updates. A held call is
/// answered `released` when its subscription is removed (unsubscribed, or pruned because the
/// subscriber's server is gone), `displaced` when a newer watch takes its place, `stopping` when
/// the net server stops; when the net server's process ends, the kernel answers it `ServerNotFound`.
/// Each held call occupies one of the main server's queue slots until answered, so at most
/// `capacity` are held and a newer one makes the oldest give way.
final class SubscriptionWatches: Sendable {
    /// Calls held at most.
    static let capacity = 16

    private struct Held {
        let sid: SID
        let sender: MessageSender
    }

    private let process: XousProcess
    private let held = Mutex<[Held]>([])

    init(process: XousProcess) { self.process = process }

    /// Holds `sender`'s call for the subscription of `sid`.
    func hold(_ sender: MessageSender, for sid: SID) {
        let evicted = held.withLock { held -> [Held] in
            var evicted = held.filter { $0.sid == sid }
            held.removeAll { $0.sid == sid }
            if held.count >= Self.capacity { evicted.append(held.removeFirst()) }
            held.append(Held(sid: sid, sender: sender))
            return evicted
        }
        for call in evicted { answer(call, .displaced) }
    }

    /// Answers the call held for `sid`, if any: its subscription ended.
    func release(_ sid: SID) {
        let found = held.withLock { held -> [Held] in
            defer { held.removeAll { $0.sid == sid } }
            return held.filter { $0.sid == sid }
        }
        for call in found { answer(call, .released) }
    }

    /// Answers every held call: the net server is stopping.
    func releaseAll() {
        let all = held.withLock { held -> [Held] in
            defer { held.removeAll() }
            return held
        }
        for call in all { answer(call, .stopping) }
    }

    private func answer(_ call: Held, _ reply: WatchWifiStatsReply) {
        // A sender whose process ended is answered ProcessNotFound; nothing to do then.
        try? process.returnScalar(call.sender, reply.rawValue)
    }
}
