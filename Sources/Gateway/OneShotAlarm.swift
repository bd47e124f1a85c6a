import XousIPC

/// Sends the main server one scalar after a delay, unless cancelled first: the bound on how
/// long gatewayd waits for the broker to give back its retained discovery.
final class OneShotAlarm: @unchecked Sendable {
    private let lock = ConditionLock()
    private var cancelled = false
    private var thread: XousThread?

    init(process: XousProcess, mainCID: CID, milliseconds: UInt64, message: ScalarMessage) throws {
        let deadline = MonotonicInstant.now.adding(milliseconds: milliseconds)
        thread = try XousThread(name: "gw-alarm", stackSize: 64 * 1024) { [self] in
            let fire = lock.withLock { () -> Bool in
                while !cancelled, lock.wait(until: deadline) {}
                return !cancelled
            }
            if fire { _ = try? process.send(mainCID, .scalar(message)) }
        }
    }

    /// Stops it from firing (if it has not) and waits for its thread to end.
    func cancel() {
        lock.withLock {
            cancelled = true
            lock.broadcast()
        }
        thread.take()?.join()
    }
}
