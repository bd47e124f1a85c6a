import SystemSupport
import Testing

@Suite struct BoundedQueueTests {
    @Test("a queue that never runs empty delivers in order, 200,000 through with about 500 waiting")
    func steadyFlood() {
        var queue = BoundedQueue<Int>(capacity: 4096)
        var next = 0, expected = 0
        for _ in 0..<500 { queue.append(next); next += 1 }
        for round in 0..<200_000 {
            queue.append(next)
            next += 1
            if round % 7 != 0 || queue.count > 600 {
                #expect(queue.popFirst() == expected)
                expected += 1
            }
            #expect(queue.count <= 601)
        }
        while let value = queue.popFirst() {
            #expect(value == expected)
            expected += 1
        }
        #expect(expected == next)
        #expect(queue.isEmpty && queue.dropped == 0)
    }

    @Test("behaves as a plain first-in, first-out list under 20,000 random operations")
    func matchesAReferenceList() {
        var random = SplitMix64(seed: 0x0b0c_5eed)
        var queue = BoundedQueue<Int>(capacity: Int.max)
        var reference: [Int] = []
        for value in 0..<20_000 {
            switch random.next() % 4 {
            case 0, 1:
                queue.append(value)
                reference.append(value)
            case 2:
                #expect(queue.popFirst() == (reference.isEmpty ? nil : reference.removeFirst()))
            default:
                let all = queue.removeAll()
                #expect(all == reference)
                reference.removeAll()
            }
            #expect(queue.count == reference.count)
            #expect(queue.isEmpty == reference.isEmpty)
        }
        var rest: [Int] = []
        while let value = queue.popFirst() { rest.append(value) }
        #expect(rest == reference)
    }

    @Test("full, it drops the oldest, returns it and counts it")
    func dropsOldest() {
        var queue = BoundedQueue<Int>(capacity: 3)
        #expect(queue.append(1) == nil && queue.append(2) == nil && queue.append(3) == nil)
        #expect(queue.append(4) == 1)
        #expect(queue.append(5) == 2)
        #expect(queue.dropped == 2)
        #expect(queue.removeAll() == [3, 4, 5])
        #expect(queue.dropped == 2 && queue.nextPosition == 5)
    }

    @Test("a reader with its own cursor gets what came after it and learns how much it missed")
    func cursors() {
        var queue = BoundedQueue<Int>(capacity: 4)
        #expect(queue.elements(from: 0) == ([], 0))
        for value in 0..<10 { queue.append(value) }
        // Holds positions 6...9.
        #expect(queue.firstPosition == 6)
        #expect(queue.elements(from: 8) == ([8, 9], 0))
        #expect(queue.elements(from: 6) == ([6, 7, 8, 9], 0))
        #expect(queue.elements(from: 2) == ([6, 7, 8, 9], 4))
        #expect(queue.elements(from: 10) == ([], 0))
        // Taken by someone else is gone for this reader too.
        _ = queue.removeAll()
        #expect(queue.elements(from: 7) == ([], 3))
        #expect(queue.elements(from: 10) == ([], 0))
    }
}
