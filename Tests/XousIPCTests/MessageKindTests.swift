import Testing
import XousIPC

extension XousIPCSpec {
    /// Xous numbers its five message kinds twice: in syscall arguments and inside an envelope.
    @Suite("MessageKind: numbering and properties")
    struct MessageKindSpec {
        @Test("syscall numbers are MutableBorrow 1, Borrow 2, Move 3, Scalar 4, BlockingScalar 5")
        func syscallNumbers() {
            #expect(MessageKind.mutableBorrow.syscallCode == 1)
            #expect(MessageKind.borrow.syscallCode == 2)
            #expect(MessageKind.move.syscallCode == 3)
            #expect(MessageKind.scalar.syscallCode == 4)
            #expect(MessageKind.blockingScalar.syscallCode == 5)
        }

        @Test("envelope numbers are MutableBorrow 0, Borrow 1, Move 2, Scalar 3, BlockingScalar 4")
        func envelopeNumbers() {
            #expect(MessageKind.mutableBorrow.envelopeCode == 0)
            #expect(MessageKind.borrow.envelopeCode == 1)
            #expect(MessageKind.move.envelopeCode == 2)
            #expect(MessageKind.scalar.envelopeCode == 3)
            #expect(MessageKind.blockingScalar.envelopeCode == 4)
            #expect(MessageKind.allCases.count == 5)
        }

        @Test("MutableBorrow, Borrow and BlockingScalar block their sender; Move and Scalar do not")
        func blockingKinds() {
            #expect(MessageKind.allCases.filter(\.isBlocking) == [.mutableBorrow, .borrow, .blockingScalar])
        }

        @Test("MutableBorrow, Borrow and Move carry memory; Scalar and BlockingScalar do not")
        func memoryKinds() {
            #expect(MessageKind.allCases.filter(\.hasMemory) == [.mutableBorrow, .borrow, .move])
        }

        @Test("each kind prints its Xous name")
        func names() {
            #expect(MessageKind.allCases.map(\.description) == ["MutableBorrow", "Borrow", "Move", "Scalar", "BlockingScalar"])
        }
    }
}
