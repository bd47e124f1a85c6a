import PropertyBased
import TestHarness
import Testing
import XousIPC

extension XousIPCSpec {
    /// A SID names a server and is the capability to reach it, so it is a secret: random,
    /// unguessable, and never printed.
    @Suite("SID: a secret, random server address")
    struct SIDSpec {
        /// Words whose decimal and hex forms cannot be mistaken for parts of "SID(redacted)".
        static let words: [UInt32] = [0x9F3A_71C2, 0x0123_4567, 0xDEAD_BEEF, 4_000_000_007]
        static let sample = SID(array: words)!

        /// A struct that holds a SID, as a server's state would.
        struct Holder { let name: String; let sid: SID }

        /// Every way Swift turns a value into text, applied to `sid` alone and inside other values.
        static func renderings(of sid: SID) -> [String] {
            var dumped = ""
            dump(sid, to: &dumped)
            var dumpedHolder = ""
            dump(Holder(name: "ticktimer", sid: sid), to: &dumpedHolder)
            return [
                sid.description, sid.debugDescription, "\(sid)", String(describing: sid), String(reflecting: sid),
                dumped, dumpedHolder, "\([sid])", String(describing: Optional(sid)),
                String(reflecting: Holder(name: "ticktimer", sid: sid)), "\(Mirror(reflecting: sid).children.map { $0.value })",
            ]
        }

        @Test("description, debugDescription, interpolation, String(reflecting:) and dump all print SID(redacted)")
        func everyPrintedFormIsRedacted() {
            let sid = Self.sample
            #expect(sid.description == "SID(redacted)")
            #expect(sid.debugDescription == "SID(redacted)")
            #expect("\(sid)" == "SID(redacted)")
            #expect(String(describing: sid) == "SID(redacted)")
            #expect(String(reflecting: sid) == "SID(redacted)")
            var dumped = ""
            dump(sid, to: &dumped)
            #expect(dumped == "- SID(redacted)\n")
            #expect(Mirror(reflecting: sid).children.isEmpty)
        }

        @Test("no printed form of a SID, alone or inside another value, shows a word in decimal or hex")
        func noPrintedFormShowsAWord() {
            let renderings = Self.renderings(of: Self.sample)
            for word in Self.words {
                let forms = [String(word), String(word, radix: 16), String(word, radix: 16, uppercase: true)]
                for form in forms {
                    for text in renderings {
                        #expect(!text.contains(form), "\(text) shows the word \(form)")
                    }
                }
            }
            #expect(renderings.allSatisfy { $0.contains("SID(redacted)") || $0 == "[]" })
        }

        @Test("any SID, whatever its words, prints exactly SID(redacted)")
        func anySIDPrintsRedacted() async {
            await checkProperty(count: 500, input: TestGen.sidWords) { words in
                let sid = SID(array: words)!
                #expect(sid.description == "SID(redacted)")
                #expect(String(reflecting: sid) == "SID(redacted)")
                #expect("\(sid)" == "SID(redacted)")
                var dumped = ""
                dump(sid, to: &dumped)
                #expect(dumped == "- SID(redacted)\n")
            }
        }

        @Test("10,000 random SIDs are all distinct")
        func randomSIDsAreDistinct() {
            let sids = (0..<10_000).map { _ in SID.random() }
            #expect(Set(sids).count == 10_000)
        }

        @Test("each of a random SID's four 32-bit words is random on its own: all values distinct, every bit about half set")
        func everyWordIsRandom() {
            let words = (0..<10_000).map { _ in SID.random().wordArray }
            for position in 0..<4 {
                let column = words.map { $0[position] }
                // Two equal words among 10,000 draws from 2^32 happen about once in 90 runs; ten never.
                #expect(Set(column).count >= 9_990, "word \(position) repeats")
                for bit in 0..<32 {
                    let set = column.count { $0 & (1 << bit) != 0 }
                    #expect((4_500...5_500).contains(set), "bit \(bit) of word \(position) is set in \(set) of 10,000")
                }
            }
        }

        @Test("SID(bytes: \"xous-name-server\") is the four little-endian words of those bytes, the name server's SID")
        func wellKnownNameIsLittleEndianWords() {
            let sid = SID(bytes: "xous-name-server".utf8)
            #expect(sid?.wordArray == [0x7375_6F78, 0x6D61_6E2D, 0x6573_2D65, 0x7265_7672])
            #expect(sid == nameServerSID)
            let (a, b, c, d) = nameServerSID.words
            #expect([a, b, c, d] == [0x7375_6F78, 0x6D61_6E2D, 0x6573_2D65, 0x7265_7672])
        }

        @Test("SID(bytes:) zero-fills a name shorter than 16 bytes and refuses one longer")
        func shortAndLongByteNames() {
            #expect(SID(bytes: "abc".utf8)?.wordArray == [0x0063_6261, 0, 0, 0])
            #expect(SID(bytes: [UInt8]())?.wordArray == [0, 0, 0, 0])
            #expect(SID(bytes: "xous-name-server!".utf8) == nil)
        }

        @Test("SID(array:) takes exactly four words, in order")
        func arrayTakesFourWords() {
            #expect(SID(array: [1, 2, 3, 4])?.wordArray == [1, 2, 3, 4])
            #expect(SID(array: [1, 2, 3]) == nil)
            #expect(SID(array: [1, 2, 3, 4, 5]) == nil)
            #expect(SID(array: [1, 2, 3, 4]) != SID(array: [1, 2, 3, 5]))
            #expect(SID(words: (9, 8, 7, 6)) == SID(array: [9, 8, 7, 6]))
        }
    }
}
