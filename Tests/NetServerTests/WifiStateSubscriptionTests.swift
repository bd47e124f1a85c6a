import NetServer
import PropertyBased
import TestHarness
import Testing
import XousIPC

@Suite struct WifiStateSubscriptionTests {
    @Test func layoutIsFourSidWordsThenOpcode() throws {
        let subscription = WifiStateSubscription(sid: SID(words: (0x0403_0201, 0x0807_0605, 0x0C0B_0A09, 0x100F_0E0D)), opcode: 0x1413_1211)
        let bytes = subscription.encoded()
        #expect(bytes == Array(1...20))
        #expect(try WifiStateSubscription.decode(bytes) == subscription)
    }

    @Test func roundTripsAndRefusesShortOrMisalignedArchives() async {
        let words = Gen<UInt32>.value().array(of: 4)
        await checkProperty(count: 3000, input: words, Gen<UInt32>.value(), Gen<Int>.value(in: 1...3)) { sid, opcode, extra in
            let subscription = WifiStateSubscription(sid: SID(array: sid)!, opcode: opcode)
            let bytes = subscription.encoded()
            #expect(bytes.count == 20)
            let decoded = try WifiStateSubscription.decode(bytes)
            #expect(decoded == subscription)
            #expect(throws: WireError.misaligned(field: "WifiStateSubscription", position: extra, alignment: 4)) {
                try WifiStateSubscription.decode(Array(repeating: 0, count: extra) + bytes)
            }
            for length in 0..<bytes.count {
                #expect(throws: WireError.truncated(field: "WifiStateSubscription", needed: 20, available: length)) {
                    try WifiStateSubscription.decode(Array(bytes[..<length]))
                }
            }
        }
    }

    @Test func printedFormsNeverRevealTheSid() async {
        // Words of nine or ten digits cannot hide inside an opcode of at most three.
        let words = Gen<UInt32>.value(in: 0x1000_0000...UInt32.max).array(of: 4)
        await checkProperty(count: 1000, input: words, Gen<UInt32>.value(in: 0...999)) { sid, opcode in
            let subscription = WifiStateSubscription(sid: SID(array: sid)!, opcode: opcode)
            var dumped = ""
            dump(subscription, to: &dumped)
            let printed = [
                subscription.description, subscription.debugDescription, "\(subscription)",
                String(reflecting: subscription), String(describing: subscription), dumped,
            ]
            #expect(subscription.description == "WifiStateSubscription(sid: SID(redacted), opcode: \(opcode))")
            for text in printed {
                #expect(text.contains("SID(redacted)"))
                for word in sid {
                    for secret in [String(word), String(word, radix: 16), String(word, radix: 16, uppercase: true)] {
                        #expect(!text.contains(secret), "\(text) reveals a SID word")
                    }
                }
            }
        }
    }
}
