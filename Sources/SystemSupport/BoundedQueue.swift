import DequeModule

/// A first-in, first-out queue with a capacity: appending to a full queue drops the oldest
/// element and counts it, so a producer that outruns its consumer costs bounded memory and the
/// loss is known. Every element gets a position (0 for the first ever appended), so a reader
/// that keeps its own cursor can ask for what came after it and learn how much it missed.
///
/// Over swift-collections' `Deque`, a ring buffer: taking from the front never leaves consumed
/// slots behind, and a queue that once held many elements gives that memory back when it runs
/// empty.
public struct BoundedQueue<Element> {
    /// Elements held at most.
    public let capacity: Int
    private var storage = Deque<Element>()
    /// Elements appended so far, dropped and taken ones included: the next one's position.
    public private(set) var nextPosition = 0
    /// Elements dropped because the queue was full.
    public private(set) var dropped = 0
    /// The most it held since it was last empty (for giving memory back).
    private var peak = 0
    /// Emptied, a queue that held more than this many starts again with fresh storage.
    static var keptCapacity: Int { 1024 }

    /// An empty queue that holds at most `capacity` elements.
    public init(capacity: Int) {
        precondition(capacity > 0, "a bounded queue holds at least one element")
        self.capacity = capacity
    }

    /// Elements queued and not yet taken.
    public var count: Int { storage.count }

    public var isEmpty: Bool { storage.isEmpty }

    /// The position of the oldest element held.
    public var firstPosition: Int { nextPosition - storage.count }

    /// Appends `element`; when the queue is full, the oldest element makes room and is returned.
    @discardableResult
    public mutating func append(_ element: Element) -> Element? {
        var evicted: Element?
        if storage.count >= capacity {
            evicted = storage.removeFirst()
            dropped += 1
        }
        storage.append(element)
        nextPosition += 1
        peak = max(peak, storage.count)
        return evicted
    }

    /// Takes the oldest element, or nil when empty.
    public mutating func popFirst() -> Element? {
        guard let element = storage.popFirst() else { return nil }
        if storage.isEmpty { shrinkIfLarge() }
        return element
    }

    /// Takes every element, oldest first.
    public mutating func removeAll() -> [Element] {
        let all = Array(storage)
        storage.removeAll(keepingCapacity: peak <= Self.keptCapacity)
        peak = 0
        return all
    }

    /// The elements at position `cursor` and after, oldest first, and how many of those were
    /// dropped before they could be read.
    public func elements(from cursor: Int) -> (elements: [Element], missed: Int) {
        guard cursor < nextPosition else { return ([], 0) }
        let first = firstPosition
        let start = max(cursor, first)
        return (Array(storage.dropFirst(start - first)), start - cursor)
    }

    private mutating func shrinkIfLarge() {
        if peak > Self.keptCapacity { storage = Deque() }
        peak = 0
    }
}

extension BoundedQueue: Sendable where Element: Sendable {}
