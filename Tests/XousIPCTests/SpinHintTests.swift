import Testing
@testable import XousIPC

/// The look before parking adapts to the traffic: it must stop when updates come sparsely
/// (looking then only burns CPU the rest of the path needs) and resume in a stream.
@Suite("SpinHint: look before parking only while it pays")
struct SpinHintTests {
    @Test("a fresh server looks before its first wait")
    func looksAtFirst() {
        #expect(SpinHint().shouldSpin == (Kernel.spinNanoseconds > 0))
    }

    @Test("after a look that ran out, the next wait parks at once")
    func stopsAfterAMiss() {
        var hint = SpinHint()
        hint.spun(found: false)
        #expect(!hint.shouldSpin)
    }

    @Test("a look that found its message keeps looking")
    func keepsLookingAfterAHit() {
        var hint = SpinHint()
        hint.spun(found: true)
        #expect(hint.shouldSpin == (Kernel.spinNanoseconds > 0))
    }

    @Test("a long park keeps it off; a park that ends within four budgets turns it back on")
    func resumesInAStream() {
        guard Kernel.spinNanoseconds > 0 else { return }
        var hint = SpinHint()
        hint.spun(found: false)
        hint.parked(for: Kernel.spinNanoseconds * 10)
        #expect(!hint.shouldSpin)
        hint.parked(for: Kernel.spinNanoseconds * 4 + 1)
        #expect(!hint.shouldSpin)
        hint.parked(for: Kernel.spinNanoseconds * 4)
        #expect(hint.shouldSpin)
    }
}
