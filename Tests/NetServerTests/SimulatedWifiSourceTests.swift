#if canImport(Glibc)
import Glibc
#endif
import NetServer
import enum TestHarness.ProcessWide
import Testing
import XousIPC
import SystemSupport

// Serialized because it counts the process's `wifi-sim` threads.
@Suite(.serialized) struct SimulatedWifiSourceTests {
    private func status(_ link: LinkState, _ dBm: Int) -> WlanStatus {
        WlanStatus(ssid: try! SsidRecord(name: "T", rssiDBm: dBm), linkState: link)
    }

    @Test func emitsTheStepsInOrderAndLeavesNoThread() throws {
        try ProcessWide.isolated {
            let before = liveThreadCount(named: "wifi-sim")
            let expected = [status(.connecting, -60), status(.connected, -50), status(.connected, -51), status(.disconnected, -51)]
            let scenario = try WifiScenario(
                steps: zip([0, 5, 1, 5], expected).map { WifiScenario.Step(delayMs: $0, status: $1) }, repeats: false
            )
            let source = SimulatedWifiSource(scenario: scenario)
            #expect(source.name == "sim")
            let recorder = StatusRecorder()
            try source.start(emit: recorder.record)
            #expect(recorder.wait(for: expected.count) == expected)
            source.stop()
            #expect(recorder.statuses == expected)
            let player = try #require(recorder.threadIDs.first)
            #expect(recorder.threadIDs.count == 1)
            #expect(!threadStillExists(player))
            #expect(settledThreadCount(named: "wifi-sim", expecting: before) == before)
        }
    }

    @Test func repeatingScenarioLoopsUntilStopped() throws {
        let a = status(.connected, -40), b = status(.connected, -70)
        let scenario = try WifiScenario(steps: [.init(delayMs: 1, status: a), .init(delayMs: 1, status: b)], repeats: true)
        let source = SimulatedWifiSource(scenario: scenario)
        let recorder = StatusRecorder()
        try source.start(emit: recorder.record)
        let seen = recorder.wait(for: 7)
        source.stop()
        #expect(seen.count >= 7)
        let afterStop = recorder.statuses
        for (index, state) in afterStop.enumerated() { #expect(state == (index.isMultiple(of: 2) ? a : b)) }
        usleep(20_000)
        #expect(recorder.statuses.count == afterStop.count, "emitted after stop() returned")
    }

    @Test func stopInterruptsALongDelayPromptly() throws {
        try ProcessWide.isolated {
            let before = liveThreadCount(named: "wifi-sim")
            let scenario = try WifiScenario(
                steps: [.init(delayMs: 0, status: status(.connecting, -60)), .init(delayMs: 600_000, status: status(.connected, -50))],
                repeats: false
            )
            let source = SimulatedWifiSource(scenario: scenario)
            let recorder = StatusRecorder()
            try source.start(emit: recorder.record)
            #expect(recorder.wait(for: 1).count == 1)
            usleep(50_000)  // lets the thread park in the ten-minute wait
            #expect(liveThreadCount(named: "wifi-sim") == before + 1, "the count does not see the playing thread")
            // Stopped from a helper so that a stop() that never returns fails the test, not hangs it.
            let elapsed = OneShot<UInt64>()
            let stopper = try OSThread(name: "stopper") {
                let started = MonotonicInstant.now
                source.stop()
                elapsed.fire(MonotonicInstant.now.nanoseconds(since: started))
            }
            guard let elapsedNs = elapsed.wait(milliseconds: 5000) else {
                abandon(stopper)
                Issue.record("stop() did not return within 5 s with a long delay pending")
                return
            }
            stopper.join()
            #expect(elapsedNs < 1_000_000_000, "stop() took \(elapsedNs) ns")
            #expect(recorder.statuses.count == 1)
            #expect(settledThreadCount(named: "wifi-sim", expecting: before) == before)
        }
    }

    @Test func stopWaitsForAReportInProgress() throws {
        let scenario = try WifiScenario(steps: [.init(delayMs: 0, status: status(.connected, -50))], repeats: false)
        let source = SimulatedWifiSource(scenario: scenario)
        let entered = OneShot<Bool>()
        let gate = OneShot<Bool>()
        let finishedReport = OneShot<Bool>()
        try source.start { _ in
            entered.fire(true)
            _ = gate.wait(milliseconds: 10_000)
            finishedReport.fire(true)
        }
        #expect(entered.wait(milliseconds: 5000) == true)
        let returned = OneShot<Bool>()
        let stopper = try OSThread(name: "stopper") {
            source.stop()
            // Whether the report had finished when stop() returned.
            returned.fire(finishedReport.wait(milliseconds: 0) ?? false)
        }
        #expect(returned.wait(milliseconds: 100) == nil, "stop() returned while emit was still running")
        gate.fire(true)
        guard let reportWasDone = returned.wait(milliseconds: 5000) else {
            abandon(stopper)
            Issue.record("stop() did not return after the report finished")
            return
        }
        stopper.join()
        #expect(reportWasDone)
    }

    @Test func startsOnlyOnce() throws {
        let scenario = try WifiScenario(steps: [.init(delayMs: 0, status: .default)], repeats: false)
        let source = SimulatedWifiSource(scenario: scenario)
        try source.start { _ in }
        #expect(throws: WifiSourceError.alreadyStarted(source: "sim")) { try source.start { _ in } }
        source.stop()
        source.stop()  // idempotent
        #expect(throws: WifiSourceError.stopped(source: "sim")) { try source.start { _ in } }
        let unstarted = SimulatedWifiSource(scenario: scenario)
        unstarted.stop()
        #expect(throws: WifiSourceError.stopped(source: "sim")) { try unstarted.start { _ in } }
    }

    @Test func stopFromInsideEmitDoesNotDeadlock() throws {
        try ProcessWide.isolated {
            let before = liveThreadCount(named: "wifi-sim")
            let scenario = try WifiScenario(
                steps: [.init(delayMs: 0, status: status(.connecting, -60)), .init(delayMs: 1, status: status(.connected, -50))],
                repeats: true
            )
            let source = SimulatedWifiSource(scenario: scenario)
            let recorder = StatusRecorder()
            try source.start { state in
                recorder.record(state)
                source.stop()
            }
            #expect(recorder.wait(for: 1).count == 1)
            source.stop()
            #expect(recorder.statuses.count == 1)
            #expect(settledThreadCount(named: "wifi-sim", expecting: before) == before)
        }
    }

    @Test func droppingARunningSourceJoinsItsThread() throws {
        try ProcessWide.isolated {
            let before = liveThreadCount(named: "wifi-sim")
            let recorder = StatusRecorder()
            do {
                let scenario = try WifiScenario(steps: [.init(delayMs: 1, status: .default)], repeats: true)
                let source = SimulatedWifiSource(scenario: scenario)
                try source.start(emit: recorder.record)
                _ = recorder.wait(for: 2)
            }
            let player = try #require(recorder.threadIDs.first)
            #expect(!threadStillExists(player))
            #expect(settledThreadCount(named: "wifi-sim", expecting: before) == before)
        }
    }

    // Played on the net server's main loop (`startScheduled`), the source has no thread: the
    // loop asks when the next state is due and has it emitted, on its own thread, then.
    @Test func scheduledPlaysOnTheCallersThreadAtTheStepsDelays() throws {
        try ProcessWide.isolated {
            let before = liveThreadCount(named: "wifi-sim")
            let expected = [status(.connecting, -60), status(.connected, -50), status(.connected, -51), status(.disconnected, -51)]
            let scenario = try WifiScenario(
                steps: zip([0, 40, 0, 40], expected).map { WifiScenario.Step(delayMs: $0, status: $1) }, repeats: false)
            let source = SimulatedWifiSource(scenario: scenario)
            let started = MonotonicInstant.now
            try source.startScheduled()
            #expect(liveThreadCount(named: "wifi-sim") == before)
            var seen: [(WlanStatus, UInt64)] = []
            let me = currentThreadID()
            var threads: Set<pid_t> = []
            while let due = source.nextDue {
                let wait = due.nanoseconds(since: .now)
                if wait > 0 { usleep(UInt32(wait / 1000) + 1) }
                source.emitDue { status in
                    seen.append((status, MonotonicInstant.now.nanoseconds(since: started) / 1_000_000))
                    threads.insert(currentThreadID())
                }
            }
            #expect(seen.map(\.0) == expected)
            #expect(threads == [me])
            // Each delay counts from the report before it: 0, 40, 40 (with the 0 after it), 80 ms.
            let times = seen.map(\.1)
            #expect(times[0] < 40 && times[1] >= 40 && times[2] >= 40 && times[3] >= 80, "at \(times) ms")
            source.stop()
            #expect(source.nextDue == nil)
        }
    }

    @Test func scheduledStopEndsTheScheduleAtOnce() throws {
        let a = status(.connected, -40), b = status(.connected, -70)
        let scenario = try WifiScenario(steps: [.init(delayMs: 600_000, status: a), .init(delayMs: 1, status: b)], repeats: true)
        let source = SimulatedWifiSource(scenario: scenario)
        try source.startScheduled()
        #expect(source.nextDue != nil)
        let stopped = MonotonicInstant.now
        source.stop()
        #expect(MonotonicInstant.now.nanoseconds(since: stopped) < 1_000_000_000)
        #expect(source.nextDue == nil)
        var emitted = 0
        source.emitDue { _ in emitted += 1 }
        #expect(emitted == 0)
        #expect(throws: WifiSourceError.stopped(source: "sim")) { try source.startScheduled() }
        #expect(throws: WifiSourceError.stopped(source: "sim")) { try source.start { _ in } }
    }

    @Test func anEmbeddedNetServerPlaysTheSimulationWithoutAThread() throws {
        try ProcessWide.isolated {
            let before = liveThreadCount(named: "wifi-sim")
            let states = (0..<20).map { status(.connected, -40 - $0) }
            let scenario = try WifiScenario(steps: states.map { WifiScenario.Step(delayMs: 2, status: $0) }, repeats: false)
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let net = try NetService(kernel: kernel, source: SimulatedWifiSource(scenario: scenario))
            defer { net.stop() }
            let subscriber = try Subscriber(kernel: kernel)
            try subscriber.subscribe()
            #expect(liveThreadCount(named: "wifi-sim") == before)
            // The current state on subscribing, then each step from the one that was current.
            #expect(subscriber.waitFor(1))
            let deadline = MonotonicInstant.now.adding(milliseconds: 5_000)
            while net.currentStatus != states.last && MonotonicInstant.now < deadline { usleep(1_000) }
            #expect(net.currentStatus == states.last)
            let last = WlanStatusIpc(states.last!)
            #expect(eventually { subscriber.updates.last == last })
            // The first is the state current at the subscription; every step after it follows.
            let updates = subscriber.updates
            let played = states.map { WlanStatusIpc($0) }
            let after = played.firstIndex { $0 == updates.first }.map { $0 + 1 } ?? 0
            #expect(Array(updates.dropFirst()) == Array(played[after...]))
            try subscriber.close()
        }
    }
}
