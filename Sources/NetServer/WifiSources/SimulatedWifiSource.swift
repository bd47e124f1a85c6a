public import SystemSupport

/// A `WifiSource` that plays a `WifiScenario`, on a thread of its own (`start`) or on the net
/// server's main loop (`startScheduled`).
///
/// Each step is reported after its delay, measured from when the previous report returned;
/// a delay of 0 reports at once. The thread parks on a condition variable while it waits, so
/// it costs no CPU, and `stop()` wakes it at once however long the pending delay. A repeating
/// scenario loops until stopped; any other ends after its last step.
public final class SimulatedWifiSource: ScheduledWifiSource, @unchecked Sendable {
    /// `sim`.
    public let name = "sim"
    /// The scenario played.
    public let scenario: WifiScenario

    private let playback = Playback()
    // Guarded by `playback.lock`. Held here rather than in `playback` because the thread holds
    // `playback`: a handle there would keep itself alive.
    private var thread: OSThread?

    /// A source that will play `scenario` once started.
    public init(scenario: WifiScenario) {
        self.scenario = scenario
    }

    deinit { stop() }

    /// Starts the playing thread.
    /// - Throws: `WifiSourceError` when started before or already stopped; `XousError` when
    ///   the system has no thread to give.
    public func start(emit: @escaping @Sendable (WlanStatus) -> Void) throws {
        let playback = self.playback
        let scenario = self.scenario
        playback.lock.lock()
        defer { playback.lock.unlock() }
        // A failed check leaves it unstarted; the new thread's first act is to take the lock, so
        // it waits until `start` has returned.
        var life = playback.life
        try life.start(name)
        thread = try OSThread(name: "wifi-sim") { playback.play(scenario, emit: emit) }
        playback.life = life
    }

    /// Starts the scenario without a thread: the caller's loop plays it with `nextDue` and
    /// `emitDue`.
    /// - Throws: `WifiSourceError` when started before or already stopped.
    public func startScheduled() throws {
        let playback = self.playback
        try playback.lock.withLock { () throws(WifiSourceError) in
            var life = playback.life
            try life.start(name)
            playback.life = life
            playback.cursor = StepCursor(scenario: scenario, from: .now)
        }
    }

    public var nextDue: MonotonicInstant? {
        playback.lock.withLock { playback.life.stopped ? nil : playback.cursor?.due }
    }

    public func emitDue(_ emit: (WlanStatus) -> Void) {
        let playback = self.playback
        while true {
            let status = playback.lock.withLock { () -> WlanStatus? in
                guard !playback.life.stopped, let due = playback.cursor?.due, due <= .now else { return nil }
                return playback.cursor?.take()
            }
            guard let status else { return }
            emit(status)
            playback.lock.withLock { playback.cursor?.schedule(from: .now) }
        }
    }

    /// Stops playing and joins the thread; once it returns, `emit` is not called again.
    ///
    /// From inside `emit` it cannot join the thread it runs on, so it only asks the thread to
    /// end, which it does as soon as `emit` returns; a later `stop()` or `deinit` joins it.
    public func stop() {
        playback.lock.lock()
        playback.life.stop()
        playback.lock.broadcast()
        if playback.isPlayingThread {
            playback.lock.unlock()
            return
        }
        let owned = thread.take()
        if owned == nil && playback.cursor == nil {
            // Another `stop()` took the handle and is joining it; wait for the same outcome.
            while playback.life.started && !playback.finished { playback.lock.wait() }
        }
        playback.lock.unlock()
        switch consume owned {
        case .some(let handle): handle.join()
        case .none: break
        }
    }
}

/// Where a scenario played without a thread stands: the step to report next and when.
private struct StepCursor {
    let scenario: WifiScenario
    private var index = 0
    /// When step `index` is due; nil once the scenario is played out.
    private(set) var due: MonotonicInstant?

    init(scenario: WifiScenario, from start: MonotonicInstant) {
        self.scenario = scenario
        if !scenario.steps.isEmpty { due = start.adding(milliseconds: UInt64(scenario.steps[0].delayMs)) }
    }

    /// The due step's state; the next is scheduled by `schedule(from:)` once it is reported.
    mutating func take() -> WlanStatus {
        let status = scenario.steps[index].status
        index += 1
        if index == scenario.steps.count && scenario.repeats { index = 0 }
        due = nil
        return status
    }

    /// Schedules the next step `delayMs` after `now` (nothing after the last of a scenario
    /// that does not repeat).
    mutating func schedule(from now: MonotonicInstant) {
        guard index < scenario.steps.count else { return }
        due = now.adding(milliseconds: UInt64(scenario.steps[index].delayMs))
    }
}

/// The state the playing thread shares with its source, all guarded by `lock`.
private final class Playback: @unchecked Sendable {
    let lock = ConditionLock()
    var life = WifiSourceLife()
    var finished = false
    /// Set when played without a thread (`startScheduled`).
    var cursor: StepCursor?
    private var player: ThreadIdentity?

    /// Whether the caller is the playing thread (only meaningful with `lock` held).
    var isPlayingThread: Bool { player?.isCurrent ?? false }

    func play(_ scenario: WifiScenario, emit: @Sendable (WlanStatus) -> Void) {
        lock.lock()
        player = .current
        repeat {
            for step in scenario.steps {
                let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(step.delayMs))
                while !life.stopped && MonotonicInstant.now < deadline { _ = lock.wait(until: deadline) }
                if life.stopped { break }
                // Reported without the lock so that `emit` may call `stop()` and block freely.
                lock.unlock()
                emit(step.status)
                lock.lock()
            }
        } while scenario.repeats && !life.stopped
        finished = true
        lock.broadcast()
        lock.unlock()
    }
}
