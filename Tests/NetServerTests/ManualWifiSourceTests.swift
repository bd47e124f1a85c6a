#if canImport(Glibc)
import Glibc
#endif
import NetServer
import Testing
import XousIPC
import SystemSupport

@Suite struct ManualWifiSourceTests {
    @Test func forwardsSynchronouslyOnlyWhileStarted() throws {
        let source = ManualWifiSource()
        #expect(source.name == "manual")
        let recorder = StatusRecorder()
        #expect(!source.emit(sampleStatus()))
        try source.start(emit: recorder.record)
        #expect(source.emit(sampleStatus()))
        #expect(recorder.statuses == [sampleStatus()])  // delivered before emit returned
        source.stop()
        #expect(!source.emit(.default))
        #expect(recorder.statuses == [sampleStatus()])
        #expect(throws: WifiSourceError.stopped(source: "manual")) { try source.start { _ in } }
    }

    @Test func startsOnlyOnce() throws {
        let source = ManualWifiSource()
        try source.start { _ in }
        #expect(throws: WifiSourceError.alreadyStarted(source: "manual")) { try source.start { _ in } }
    }

    /// Counts callbacks in flight, to catch two running at once.
    private final class OverlapProbe: @unchecked Sendable {
        let lock = ConditionLock()
        var inside = 0
        var overlapped = false
        var delivered = 0
    }

    @Test func reportsFromManyThreadsNeverOverlap() throws {
        let source = ManualWifiSource()
        let probe = OverlapProbe()
        try source.start { _ in
            probe.lock.withLock {
                probe.inside += 1
                if probe.inside > 1 { probe.overlapped = true }
            }
            usleep(20)  // widen the window in which an overlap would show
            probe.lock.withLock {
                probe.inside -= 1
                probe.delivered += 1
            }
        }
        let work: @Sendable () -> Void = { for _ in 0..<200 { source.emit(.default) } }
        let first = try OSThread(name: "emit-1", work)
        let second = try OSThread(name: "emit-2", work)
        let third = try OSThread(name: "emit-3", work)
        work()
        first.join()
        second.join()
        third.join()
        source.stop()
        probe.lock.withLock {
            #expect(probe.delivered == 800)
            #expect(!probe.overlapped)
        }
    }

    @Test func stopWaitsForAReportInProgressOnAnotherThread() throws {
        let source = ManualWifiSource()
        let entered = OneShot<Bool>()
        let gate = OneShot<Bool>()
        let finishedReport = OneShot<Bool>()
        try source.start { _ in
            entered.fire(true)
            _ = gate.wait(milliseconds: 10_000)
            finishedReport.fire(true)
        }
        let emitter = try OSThread(name: "emitter") { source.emit(.default) }
        #expect(entered.wait(milliseconds: 5000) == true)
        let returned = OneShot<Bool>()
        let stopper = try OSThread(name: "stopper") {
            source.stop()
            returned.fire(finishedReport.wait(milliseconds: 0) ?? false)
        }
        #expect(returned.wait(milliseconds: 100) == nil, "stop() returned while a report was in progress")
        gate.fire(true)
        emitter.join()
        guard let reportWasDone = returned.wait(milliseconds: 5000) else {
            abandon(stopper)
            Issue.record("stop() did not return after the report finished")
            return
        }
        stopper.join()
        #expect(reportWasDone)
        #expect(!source.emit(.default))
    }

    @Test func nestedEmitFromTheCallbackIsDropped() throws {
        let source = ManualWifiSource()
        let recorder = StatusRecorder()
        try source.start { state in
            recorder.record(state)
            #expect(!source.emit(.default))
        }
        #expect(source.emit(sampleStatus()))
        #expect(recorder.statuses == [sampleStatus()])
    }
}
