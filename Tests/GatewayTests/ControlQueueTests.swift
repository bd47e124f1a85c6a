@testable import Gateway
import NetServer
import Testing
import XousIPC

/// The control queue alone: events in, effects out; no thread, no broker, no kernel.
@Suite("ControlQueue: control requests and the subscription as a value")
struct ControlQueueTests {
    /// A queue past its start-up subscribe.
    static func subscribedQueue() -> ControlQueue {
        var queue = ControlQueue()
        _ = queue.handle(.started)
        _ = queue.handle(.done(.subscribe, error: nil, subscribed: true))
        return queue
    }

    @Test("start-up subscribes, and the result is announced once")
    func startUp() {
        var queue = ControlQueue()
        #expect(queue.handle(.started) == [.ask(.subscribe)])
        #expect(queue.busy)
        #expect(queue.handle(.done(.subscribe, error: nil, subscribed: true)) == [.subscriptionChanged(true)])
        #expect(queue.subscribed && !queue.busy)
    }

    @Test("requests that arrive during a handshake wait, then are answered in arrival order")
    func inOrder() {
        var queue = ControlQueue()
        _ = queue.handle(.started)
        #expect(queue.handle(.request(id: 1, .status)) == [])
        #expect(queue.handle(.request(id: 2, .unsubscribe)) == [])
        #expect(queue.handle(.request(id: 3, .status)) == [])
        // The start-up subscribe ends: status 1 at once, then the unsubscribe holds the queue.
        #expect(queue.handle(.done(.subscribe, error: nil, subscribed: true))
                == [.subscriptionChanged(true), .answerStatus(id: 1), .ask(.unsubscribe)])
        #expect(queue.handle(.done(.unsubscribe, error: nil, subscribed: false))
                == [.subscriptionChanged(false), .answerSubscription(id: 2), .answerStatus(id: 3)])
        #expect(queue.pending.isEmpty && !queue.wanted)
    }

    @Test("subscribe when subscribed and unsubscribe when not are answered at once, without a handshake")
    func idempotent() {
        var queue = Self.subscribedQueue()
        #expect(queue.handle(.request(id: 1, .subscribe)) == [.answerSubscription(id: 1)])
        #expect(queue.handle(.request(id: 2, .unsubscribe)) == [.ask(.unsubscribe)])
        _ = queue.handle(.done(.unsubscribe, error: nil, subscribed: false))
        #expect(queue.handle(.request(id: 3, .unsubscribe)) == [.answerSubscription(id: 3)])
    }

    @Test("a lost net server is reported; when it is back it is subscribed to again")
    func lostAndBack() {
        var queue = Self.subscribedQueue()
        #expect(queue.handle(.lost(.serverNotFound))
                == [.netServerLost(.serverNotFound, resubscribe: true), .subscriptionChanged(false), .publishHealth])
        #expect(queue.handle(.back) == [.netServerBack(resubscribing: true), .publishHealth, .ask(.subscribe)])
        #expect(queue.handle(.done(.subscribe, error: nil, subscribed: true)) == [.subscriptionChanged(true)])
    }

    @Test("an unsubscribe while the net server is gone is remembered: it is not subscribed to when it returns")
    func unsubscribeWhileGone() {
        var queue = Self.subscribedQueue()
        _ = queue.handle(.lost(.serverNotFound))
        // Not subscribed now, so the unsubscribe is already satisfied.
        #expect(queue.handle(.request(id: 1, .unsubscribe)) == [.answerSubscription(id: 1)])
        #expect(queue.handle(.back) == [.netServerBack(resubscribing: false), .publishHealth])
        #expect(!queue.busy)
    }

    @Test("a subscribe while the net server is gone fails with a message that says it will come back")
    func subscribeWhileGone() {
        var queue = Self.subscribedQueue()
        _ = queue.handle(.lost(.serverNotFound))
        #expect(queue.handle(.request(id: 1, .subscribe)) == [.ask(.subscribe)])
        #expect(queue.handle(.done(.subscribe, error: .serverNotFound, subscribed: false))
                == [.answerError(id: 1, "the net server is gone; gatewayd subscribes again when it registers")])
        #expect(queue.wanted)
        // And another refusal is passed on with the kernel's error.
        #expect(queue.handle(.request(id: 2, .subscribe)) == [.ask(.subscribe)])
        #expect(queue.handle(.done(.subscribe, error: .outOfMemory, subscribed: false))
                == [.answerError(id: 2, "the net server refused: OutOfMemory (3)")])
    }

    @Test("shutdown answers what waits, lets the running handshake end, unsubscribes, then finishes")
    func shutdown() {
        var queue = ControlQueue()
        _ = queue.handle(.started)
        _ = queue.handle(.request(id: 1, .status))
        _ = queue.handle(.request(id: 2, .subscribe))
        #expect(queue.handle(.shutdown) == [
            .answerError(id: 1, "gatewayd is shutting down"), .answerError(id: 2, "gatewayd is shutting down"),
        ])
        #expect(!queue.isFinished)
        #expect(queue.handle(.done(.subscribe, error: nil, subscribed: true)) == [.subscriptionChanged(true), .ask(.unsubscribe)])
        #expect(!queue.isFinished)
        #expect(queue.handle(.request(id: 3, .subscribe)) == [])
        #expect(queue.handle(.done(.unsubscribe, error: nil, subscribed: false))
                == [.subscriptionChanged(false), .answerError(id: 3, "gatewayd is shutting down")])
        #expect(queue.isFinished)
        #expect(queue.handle(.shutdown) == [])
    }

    @Test("a returning net server is not subscribed to during shutdown")
    func backDuringShutdown() {
        var queue = Self.subscribedQueue()
        _ = queue.handle(.lost(.serverNotFound))
        _ = queue.handle(.shutdown)
        #expect(queue.isFinished)
        #expect(queue.handle(.back) == [.netServerBack(resubscribing: false), .publishHealth])
        #expect(queue.isFinished)
    }
}
