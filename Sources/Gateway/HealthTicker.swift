import XousIPC

/// Sends the main server a `healthTick` every interval. Its thread sleeps in a timed wait, so
/// it wakes exactly once per interval and never otherwise.
final class HealthTicker: @unchecked Sendable {
    private let lock = ConditionLock()
    private var stopping = false
    private var thread: XousThread?

    init(process: XousProcess, mainCID: CID, intervalSeconds: Int) throws {
        let interval = UInt64(max(1, intervalSeconds)) * 1000
        thread = try XousThread(name: "gw-health", stackSize: 128 * 1024) { [self] in
            var next = MonotonicInstant.now.adding(milliseconds: interval)
            while true {
                let stop = lock.withLock { () -> Bool in
                    while !stopping, lock.wait(until: next) {}
                    return stopping
                }
                if stop { return }
                _ = try? process.send(mainCID, .scalar(ScalarMessage(id: GatewayOpcode.healthTick.rawValue)))
                next = next.adding(milliseconds: interval)
                let now = MonotonicInstant.now
                if next < now { next = now.adding(milliseconds: interval) }
            }
        }
    }

    func stop() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        thread.take()?.join()
    }
}
