@testable import NetServer
import Testing
import XousIPC
import SystemSupport

@Suite struct WifiScenarioDefaultTests {
    @Test func splitMix64MatchesTheReferenceOutput() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func sameSeedGivesTheSameScenario() {
        #expect(WifiScenario.default(seed: 42, intervalMs: 100) == WifiScenario.default(seed: 42, intervalMs: 100))
    }

    @Test func differentSeedsGiveDifferentSignals() {
        let signals = Set((0..<16).map { seed in
            WifiScenario.default(seed: UInt64(seed), intervalMs: 100).steps.map { $0.status.ssid?.rssi }
        })
        #expect(signals.count > 8)
    }

    @Test(arguments: [0, 1, 7, 0xDEAD_BEEF, UInt64.max])
    func walksTheDocumentedSequence(seed: UInt64) throws {
        let scenario = WifiScenario.default(seed: seed, intervalMs: 250)
        #expect(scenario.repeats)
        #expect(scenario.steps.allSatisfy { $0.delayMs == 250 })
        let statuses = scenario.steps.map(\.status)
        #expect(statuses.map(\.linkState) == [
            .disconnected, .connecting, .connected,
            .connected, .connected, .connected, .connected, .connected,
            .disconnected, .connecting, .connected,
        ])
        for status in statuses {
            switch status.linkState {
            case .disconnected:
                #expect(status.ssid == nil)
                #expect(status.ipv4 == .default)
            case .connecting:
                #expect(status.ssid?.name == "XousNet")
                #expect(status.ipv4 == .default)
            default:
                #expect(status.ssid?.name == "XousNet")
                let lease = status.ipv4
                #expect(lease.dhcp == .bound)
                #expect(lease.mac.octets.prefix(3) == [0x02, 0x00, 0x5e])
                #expect(lease.addr.octets.prefix(3) == [192, 168, 1])
                #expect((2...254).contains(lease.addr.octets[3]))
                #expect(lease.gateway.description == "192.168.1.1")
                #expect(lease.mask.description == "255.255.255.0")
                #expect(lease.dns1.description == "192.168.1.1")
                #expect(lease.dns2 == .zero)
            }
        }
        let signal = statuses.compactMap { $0.ssid?.rssiDBm }
        #expect(signal.allSatisfy { (-90...(-30)).contains($0) })
        #expect((-56...(-48)).contains(signal[0]))
        // The drift steps (connected, 3...7) each move by one to three dB.
        for index in 3...7 {
            let step = try #require(statuses[index].ssid?.rssiDBm) - (try #require(statuses[index - 1].ssid?.rssiDBm))
            #expect((1...3).contains(abs(step)))
        }
        #expect(statuses[2].ipv4 == statuses[10].ipv4)
    }

    @Test func intervalIsClampedToAtLeastOneMillisecond() {
        #expect(WifiScenario.default(seed: 1, intervalMs: 0).steps.allSatisfy { $0.delayMs == 1 })
        #expect(WifiScenario.default(seed: 1, intervalMs: -5).steps.allSatisfy { $0.delayMs == 1 })
    }

    @Test func stepsInitializerValidates() throws {
        let step = WifiScenario.Step(delayMs: 0, status: .default)
        #expect(throws: ScenarioError.self) { try WifiScenario(steps: [], repeats: false) }
        #expect(throws: ScenarioError.self) { try WifiScenario(steps: [step], repeats: true) }
        #expect(throws: ScenarioError.self) { try WifiScenario(steps: [WifiScenario.Step(delayMs: -1, status: .default)], repeats: false) }
        #expect(try WifiScenario(steps: [step], repeats: false).steps == [step])
    }
}
