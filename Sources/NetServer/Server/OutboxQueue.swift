/// A first-in, first-out queue over one array, whose storage stays in proportion to what it holds.
///
/// The pusher's outbox used to be an array with a read index that was reset only when the
/// outbox ran empty: under a steady flood that never lets it run empty, every update ever
/// queued stayed in the array (the soak saw it reach 2 MB, kept afterwards as capacity). Here
/// the consumed prefix is dropped once it is at least half the array, so the array holds at
/// most twice the live elements plus `compactionThreshold`, at an amortized cost of one move
/// per element.
struct OutboxQueue<Element> {
    /// Consumed slots below which the queue never compacts, so a short queue is not copied
    /// on every take.
    static var compactionThreshold: Int { 64 }
    /// Emptied, an array of at most this many slots is kept for reuse.
    static var keptCapacity: Int { 1024 }

    private var storage: [Element] = []
    private var head = 0

    /// Elements queued and not yet taken.
    var count: Int { storage.count - head }

    var isEmpty: Bool { head == storage.count }

    /// Slots the array holds, taken ones included: what the queue costs in memory.
    var storageCount: Int { storage.count }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    /// Takes the oldest element, or nil when empty.
    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head == storage.count {
            // A short queue keeps its array for the next burst; a long one (a subscriber that
            // fell thousands behind once) gives it back.
            storage.removeAll(keepingCapacity: storage.count <= Self.keptCapacity)
            head = 0
        } else if head >= Self.compactionThreshold, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Drops the oldest element (an overflow), if any.
    mutating func dropFirst() {
        _ = popFirst()
    }
}
