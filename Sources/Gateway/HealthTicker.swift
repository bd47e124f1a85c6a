import XousIPC
import SystemSupport

/// The main server's clock: a `healthTick` every interval, and at most one alarm (a scalar sent
/// once at a deadline, the bound on a discovery scan). Its one thread sleeps in a timed wait
/// until the earlier of the two, so it wakes only when one is due.
final class HealthTicker: @unchecked Sendable {
    private let lock = ConditionLock()
    private var stopping = false
    private var interval: UInt64
    private var next: MonotonicInstant
    private var alarm: (at: MonotonicInstant, message: ScalarMessage)?
    private var thread: OSThread?

    init(process: XousProcess, mainCID: CID, intervalSeconds: Int) throws {
        interval = UInt64(max(1, intervalSeconds)) * 1000
        next = MonotonicInstant.now.adding(milliseconds: interval)
        thread = try OSThread(name: "gw-health", stackSize: 128 * 1024) { [self] in
            while true {
                enum Due { case stop, tick, alarm(ScalarMessage) }
                let due = lock.withLock { () -> Due in
                    while true {
                        if stopping { return .stop }
                        let now = MonotonicInstant.now
                        if let alarm, alarm.at <= now {
                            self.alarm = nil
                            return .alarm(alarm.message)
                        }
                        if next <= now {
                            next = next.adding(milliseconds: interval)
                            if next < now { next = now.adding(milliseconds: interval) }
                            return .tick
                        }
                        let wake = alarm.map { $0.at < next ? $0.at : next } ?? next
                        _ = lock.wait(until: wake)
                    }
                }
                switch due {
                case .stop: return
                case .tick: _ = try? process.send(mainCID, .scalar(ScalarMessage(id: GatewayOpcode.healthTick.rawValue)))
                case .alarm(let message): _ = try? process.send(mainCID, .scalar(message))
                }
            }
        }
    }

    /// From now on one tick every `seconds`, the next one a whole interval from now.
    func setInterval(seconds: Int) {
        lock.withLock {
            interval = UInt64(max(1, seconds)) * 1000
            next = MonotonicInstant.now.adding(milliseconds: interval)
            lock.broadcast()
        }
    }

    /// Sends `message` once, `milliseconds` from now, unless `cancelAlarm` comes first; replaces
    /// an alarm that is pending.
    func setAlarm(milliseconds: UInt64, _ message: ScalarMessage) {
        lock.withLock {
            alarm = (MonotonicInstant.now.adding(milliseconds: milliseconds), message)
            lock.broadcast()
        }
    }

    /// Drops the pending alarm, if any. When the thread is waiting for it, it is woken now to
    /// wait for the next tick instead: a scan is cancelled while gatewayd starts and is busy
    /// anyway, and otherwise the thread would wake at the alarm's time with nothing to do,
    /// seconds later, when gatewayd is idle.
    func cancelAlarm() {
        lock.withLock {
            guard let pending = alarm else { return }
            alarm = nil
            if pending.at < next { lock.broadcast() }
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
