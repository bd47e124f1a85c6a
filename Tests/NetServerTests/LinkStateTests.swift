import NetServer
import PropertyBased
import TestHarness
import Testing

@Suite struct LinkStateTests {
    @Test func numbersAndNamesMatchXous() {
        let expected: [(LinkState, UInt16, String)] = [
            (.unknown, 0, "unknown"), (.resetHold, 1, "reset_hold"), (.uninitialized, 2, "uninitialized"),
            (.initializing, 3, "initializing"), (.disconnected, 4, "disconnected"), (.connecting, 5, "connecting"),
            (.connected, 6, "connected"), (.wfxError, 7, "wfx_error"),
        ]
        #expect(LinkState.allCases.count == expected.count)
        for (state, number, name) in expected {
            #expect(state.rawValue == number)
            #expect(state.name == name)
            #expect(LinkState(decoding: number) == state)
            #expect(LinkState(name: name) == state)
        }
        #expect(LinkState(name: "Connected") == nil)
    }

    @Test func outOfRangeNumbersDecodeAsUnknown() async {
        #expect(LinkState(decoding: 8) == .unknown)
        #expect(LinkState(decoding: .max) == .unknown)
        await checkProperty(count: 2000, input: Gen<UInt16>.value(in: 8...UInt16.max)) { number in
            #expect(LinkState(decoding: number) == .unknown)
        }
    }
}

@Suite struct DhcpStateTests {
    @Test func numbersAndNamesMatchXous() {
        let names = ["halted", "init", "selecting", "requesting", "bound", "renewing", "rebinding", "invalid"]
        #expect(DhcpState.allCases.map(\.name) == names)
        #expect(DhcpState.allCases.map(\.rawValue) == Array(0...7))
        for (number, name) in names.enumerated() {
            #expect(DhcpState(decoding: UInt16(number)).name == name)
            #expect(DhcpState(name: name)?.rawValue == UInt16(number))
        }
        #expect(DhcpState.bound.rawValue == 4)
    }

    @Test func numbersFromSevenUpDecodeAsInvalid() async {
        #expect(DhcpState(decoding: 7) == .invalid)
        #expect(DhcpState(decoding: 8) == .invalid)
        await checkProperty(count: 2000, input: Gen<UInt16>.value(in: 7...UInt16.max)) { number in
            #expect(DhcpState(decoding: number) == .invalid)
        }
    }
}
