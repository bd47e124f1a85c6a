import XousIPC

/// States from the Wi-Fi source waiting for the connection manager, plus the "interrupt
/// pending" bit that keeps the source from raising one `ComInterrupt` per state.
///
/// Xous's COM raises an interrupt and the net server then reads the chip's state; a scalar
/// cannot carry a `WlanStatus`, so the states wait here in order and the interrupt only says
/// "come and get them". Nothing is coalesced: every state is pushed.
final class WifiEventLatch: @unchecked Sendable {
    /// States held at most; beyond that the oldest are dropped (and counted), so a source that
    /// outruns a stuck net server cannot grow memory without bound.
    static let capacity = 65_536

    private let lock = ConditionLock()
    private var pending: [WlanStatus] = []
    private var interruptRaised = false
    private var droppedCount = 0

    /// Queues a state; returns true when the caller must raise the interrupt.
    func post(_ status: WlanStatus) -> Bool {
        lock.withLock {
            if pending.count >= WifiEventLatch.capacity {
                pending.removeFirst()
                droppedCount += 1
            }
            pending.append(status)
            defer { interruptRaised = true }
            return !interruptRaised
        }
    }

    /// Takes every queued state, oldest first, and re-arms the interrupt.
    func drain() -> [WlanStatus] {
        lock.withLock {
            // Re-arm before taking: a state posted after this point raises a new interrupt.
            interruptRaised = false
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }

    /// States dropped because the latch was full.
    var dropped: Int { lock.withLock { droppedCount } }
}
