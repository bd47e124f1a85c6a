@testable import LinuxWifi
import Testing

@Suite("Which signal samples are pushed")
struct SignalGateTests {
    @Test("a change of at least the threshold from the last pushed value, never small drift")
    func threshold() {
        var gate = SignalGate(threshold: 3, lastPushed: -50)
        #expect(!gate.shouldPush(-50))
        #expect(!gate.shouldPush(-52))
        #expect(!gate.shouldPush(-48))
        #expect(gate.shouldPush(-53))
        #expect(gate.shouldPush(-47))
        gate.pushed(-53)
        // Measured from what was pushed, not from the last sample: slow drift adds up.
        #expect(!gate.shouldPush(-51))
        #expect(gate.shouldPush(-50))
        #expect(gate.shouldPush(-56))
    }

    @Test("the first signal after none is always pushed; a threshold below 1 counts as 1")
    func edges() {
        #expect(SignalGate(threshold: 3, lastPushed: nil).shouldPush(-70))
        let gate = SignalGate(threshold: 0, lastPushed: -60)
        #expect(!gate.shouldPush(-60))
        #expect(gate.shouldPush(-61))
    }
}
