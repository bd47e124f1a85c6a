import MQTT
import Testing

@Suite("Reconnect back-off")
struct ReconnectBackoffTests {
    /// A seeded generator, so that the jitter is the same on every run.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
    }

    @Test("ceilings double from the initial delay and stop at the cap")
    func ceilings() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 30)
        var random = SeededRandom(state: 1)
        var ceilings: [Double] = []
        for _ in 0..<9 {
            ceilings.append(backoff.currentCeiling)
            _ = backoff.nextDelay(using: &random)
        }
        #expect(ceilings == [0.5, 1, 2, 4, 8, 16, 30, 30, 30])
    }

    @Test("every delay lies between half the ceiling and the ceiling")
    func equalJitterBounds() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 30)
        var random = SeededRandom(state: 42)
        for _ in 0..<200 {
            let ceiling = backoff.currentCeiling
            let delay = backoff.nextDelay(using: &random)
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }

    @Test("delays grow, are capped, and are jittered")
    func growCapJitter() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 30)
        var random = SeededRandom(state: 7)
        let delays = (0..<40).map { _ in backoff.nextDelay(using: &random) }
        // Growth: each early delay's floor is above the previous delay's ceiling/2·2.
        #expect(delays[4] > delays[0] && delays[5] >= 8)
        #expect(delays.allSatisfy { $0 <= 30 })
        let capped = delays.suffix(20)
        #expect(capped.allSatisfy { $0 >= 15 })
        #expect(Set(capped).count > 15, "capped delays must differ from each other (jitter)")
    }

    @Test("the same seed gives the same delays; another seed differs")
    func deterministic() {
        func run(seed: UInt64) -> [Double] {
            var backoff = ReconnectBackoff(initial: 0.5, maximum: 30)
            var random = SeededRandom(state: seed)
            return (0..<10).map { _ in backoff.nextDelay(using: &random) }
        }
        #expect(run(seed: 99) == run(seed: 99))
        #expect(run(seed: 99) != run(seed: 100))
    }

    @Test("reset starts again from the initial delay")
    func reset() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 30)
        var random = SeededRandom(state: 3)
        for _ in 0..<6 { _ = backoff.nextDelay(using: &random) }
        #expect(backoff.failures == 6)
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.currentCeiling == 0.5)
        #expect(backoff.nextDelay(using: &random) <= 0.5)
    }

    @Test("thousands of failures neither overflow nor exceed the cap")
    func manyFailures() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 30)
        var random = SeededRandom(state: 5)
        for _ in 0..<5000 { _ = backoff.nextDelay(using: &random) }
        #expect(backoff.currentCeiling == 30)
        #expect(backoff.nextDelay(using: &random).isFinite)
    }

    @Test("a cap below the initial delay is raised to it")
    func capBelowInitial() {
        let backoff = ReconnectBackoff(initial: 2, maximum: 1)
        #expect(backoff.maximum == 2)
    }
}
