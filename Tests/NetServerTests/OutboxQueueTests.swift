@testable import NetServer
import Testing
import XousIPC
import SystemSupport

@Suite struct OutboxQueueTests {
    @Test("a queue that never runs empty keeps its array in proportion to what it holds, in order")
    func steadyFloodStaysBounded() {
        var queue = OutboxQueue<Int>()
        var next = 0, expected = 0, largest = 0
        // About 500 always waiting, 200,000 through: the old outbox kept all 200,000.
        for _ in 0..<500 { queue.append(next); next += 1 }
        for round in 0..<200_000 {
            queue.append(next)
            next += 1
            if round % 7 != 0 || queue.count > 600 {
                #expect(queue.popFirst() == expected)
                expected += 1
            }
            largest = max(largest, queue.storageCount)
            #expect(queue.storageCount <= 2 * queue.count + OutboxQueue<Int>.compactionThreshold + 1)
        }
        #expect(largest < 1_400, "array reached \(largest) slots")
        while let value = queue.popFirst() {
            #expect(value == expected)
            expected += 1
        }
        #expect(expected == next)
        #expect(queue.isEmpty && queue.storageCount == 0)
    }

    @Test("behaves as a plain first-in, first-out list under 20,000 random operations")
    func matchesAReferenceList() {
        var random = SplitMix64(seed: 0x0b0c_5eed)
        var queue = OutboxQueue<Int>()
        var reference: [Int] = []
        for value in 0..<20_000 {
            switch random.next() % 4 {
            case 0, 1:
                queue.append(value)
                reference.append(value)
            case 2:
                #expect(queue.popFirst() == (reference.isEmpty ? nil : reference.removeFirst()))
            default:
                queue.dropFirst()
                if !reference.isEmpty { reference.removeFirst() }
            }
            #expect(queue.count == reference.count)
            #expect(queue.isEmpty == reference.isEmpty)
        }
        var rest: [Int] = []
        while let value = queue.popFirst() { rest.append(value) }
        #expect(rest == reference)
    }
}
