import GatewayControl
import NetServer
import XousIPC

/// The gateway's control requests and Wi-Fi subscription as a value: events in, effects out.
///
/// It decides what the main server does, in what order, and never does it: no thread, no
/// broker, no kernel. Requests are answered in arrival order; a subscribe or unsubscribe that
/// needs the subscription's handshake holds the queue until `done` comes back, and while it
/// runs nothing else is asked of the subscription. Subscribing and unsubscribing are
/// idempotent. What the user asked for last is what a returning net server is subscribed to
/// again.
struct ControlQueue: Sendable {
    /// What happened.
    enum Event: Equatable, Sendable {
        /// The gateway is up: subscribe, as it does on start.
        case started
        /// A control request, with the caller's id for the answer.
        case request(id: Int, ControlCommand)
        /// The subscription finished a request (see `WifiSubscription.Event`).
        case done(WifiSubscription.Request, error: XousError?, subscribed: Bool)
        /// The net server went away; the subscription waits for it.
        case lost(XousError)
        /// A net server registered again.
        case back
        /// Shut down: answer what waits, unsubscribe, then finish.
        case shutdown
    }

    /// What to do, in order.
    enum Effect: Equatable, Sendable {
        /// Ask the subscription for a handshake.
        case ask(WifiSubscription.Request)
        /// Answer request `id` with the gateway's status.
        case answerStatus(id: Int)
        /// Answer request `id` with the subscription state (it did what was asked).
        case answerSubscription(id: Int)
        /// Answer request `id` with an error.
        case answerError(id: Int, String)
        /// The subscription went on or off: say so (retained state, log).
        case subscriptionChanged(Bool)
        /// The net server went away: count it and say so; `resubscribe` if it will be
        /// subscribed to again when it returns.
        case netServerLost(XousError, resubscribe: Bool)
        /// A net server is back; `resubscribing` if a subscribe follows.
        case netServerBack(resubscribing: Bool)
        /// Publish the health document (after a change of the net server's availability).
        case publishHealth
    }

    /// Whether a subscription runs (as the subscription last reported).
    private(set) var subscribed = false
    /// A handshake is in progress; the queue waits for its `done`.
    private(set) var busy = false
    /// Shutdown began.
    private(set) var stopping = false
    /// What the user asked for last (on from the start).
    private(set) var wanted = true
    /// A net server came back and is to be subscribed to once the subscription is free.
    private var resubscribe = false
    /// Requests not answered yet, oldest first.
    private(set) var pending: [(id: Int, command: ControlCommand)] = []

    /// True once shutdown began and no handshake is left: the main loop may end.
    var isFinished: Bool { stopping && !busy }

    /// Takes `event`; returns what the main server must do, in order.
    mutating func handle(_ event: Event) -> [Effect] {
        var effects: [Effect] = []
        switch event {
        case .started:
            busy = true
            effects.append(.ask(.subscribe))
        case let .request(id, command):
            pending.append((id, command))
            drain(into: &effects)
        case let .done(request, error, now):
            finish(request, error: error, subscribed: now, into: &effects)
        case .lost(let error):
            effects.append(.netServerLost(error, resubscribe: wanted))
            if subscribed {
                subscribed = false
                effects.append(.subscriptionChanged(false))
            }
            effects.append(.publishHealth)
        case .back:
            effects.append(.netServerBack(resubscribing: wanted && !stopping))
            effects.append(.publishHealth)
            resubscribe = wanted
            if !stopping { drain(into: &effects) }
        case .shutdown:
            guard !stopping else { break }
            stopping = true
            for request in pending { effects.append(.answerError(id: request.id, "gatewayd is shutting down")) }
            pending.removeAll()
            if !busy && subscribed {
                busy = true
                effects.append(.ask(.unsubscribe))
            }
        }
        return effects
    }

    private mutating func finish(_ request: WifiSubscription.Request, error: XousError?, subscribed now: Bool, into effects: inout [Effect]) {
        busy = false
        if subscribed != now {
            subscribed = now
            effects.append(.subscriptionChanged(now))
        }
        // The request at the head of the queue is the one this answers, if any (the subscribe
        // at start-up and a resubscription answer none).
        if let head = pending.first, head.command == (request == .subscribe ? .subscribe : .unsubscribe) {
            pending.removeFirst()
            if error == .serverNotFound {
                effects.append(.answerError(
                    id: head.id,
                    request == .subscribe ? "the net server is gone; gatewayd subscribes again when it registers" : "the net server is gone"))
            } else if let error {
                effects.append(.answerError(id: head.id, "the net server refused: \(error)"))
            } else {
                effects.append(.answerSubscription(id: head.id))
            }
        }
        if stopping && subscribed {
            busy = true
            effects.append(.ask(.unsubscribe))
            return
        }
        // While stopping this answers what came in meanwhile (a subscription change with an
        // error), so that nothing is left unanswered when the main loop ends.
        drain(into: &effects)
    }

    /// Answers queued requests in order until one needs a handshake.
    private mutating func drain(into effects: inout [Effect]) {
        if resubscribe, !busy, !stopping {
            resubscribe = false
            if wanted && !subscribed {
                busy = true
                effects.append(.ask(.subscribe))
                return
            }
        }
        while !busy, let request = pending.first {
            switch request.command {
            case .status, .watch:
                pending.removeFirst()
                effects.append(.answerStatus(id: request.id))
            case .subscribe where subscribed, .unsubscribe where !subscribed:
                // Idempotent: already in the requested state, nothing changes.
                wanted = request.command == .subscribe
                pending.removeFirst()
                effects.append(.answerSubscription(id: request.id))
            case .subscribe, .unsubscribe:
                wanted = request.command == .subscribe
                guard !stopping else {
                    pending.removeFirst()
                    effects.append(.answerError(id: request.id, "gatewayd is shutting down"))
                    continue
                }
                busy = true
                effects.append(.ask(request.command == .subscribe ? .subscribe : .unsubscribe))
                return
            }
        }
    }
}
