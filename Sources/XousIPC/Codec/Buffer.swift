/// Pages to send in a memory message: the model of `xous-ipc`'s `Buffer`.
///
/// Memory messages carry whole 4096-byte pages; `used` (sent as the message's `offset`) says how
/// many bytes of them hold the value. A `Buffer` is noncopyable so that Xous's ownership rules
/// hold in the type system: `move` consumes it (the pages belong to the receiver afterwards),
/// while `lend` borrows it for exactly as long as the server holds the message.
public struct Buffer: ~Copyable, Sendable {
    /// The size of a page, as on Xous.
    public static let pageSize = 4096

    let storage: PageStorage

    /// Bytes in use, sent as the message's `offset` (`Buffer::used`).
    public var used: Int

    /// Zeroed pages enough for `byteCount` bytes (at least one page), with nothing in use.
    public init(byteCount: Int = Buffer.pageSize) {
        let pages = max(1, (byteCount + Buffer.pageSize - 1) / Buffer.pageSize)
        storage = PageStorage(pages: pages)
        used = 0
    }

    /// A buffer holding `value`'s encoding (`Buffer::into_buf`).
    public init(encoding value: some WireCodable) {
        let bytes = value.encoded()
        self.init(byteCount: bytes.count)
        bytes.withUnsafeBytes { storage.mutableBytes.copyMemory(from: $0) }
        used = bytes.count
    }

    init(storage: PageStorage, used: Int) {
        self.storage = storage
        self.used = used
    }

    /// The page-rounded size (sent as the message's `valid`).
    public var capacity: Int { storage.count }

    /// Decodes the value in the used bytes (`Buffer::to_original`), validating every byte.
    public func decode<T: WireCodable>(_ type: T.Type = T.self) throws(WireError) -> T {
        guard used >= 0, used <= capacity else { throw .doesNotFit(needed: used, capacity: capacity) }
        return try T.decode(UnsafeRawBufferPointer(rebasing: storage.bytes[0..<used]))
    }

    /// Re-encodes `value` into the same pages (`Buffer::replace`).
    public mutating func replace(encoding value: some WireCodable) throws(WireError) {
        let bytes = value.encoded()
        guard bytes.count <= capacity else { throw .doesNotFit(needed: bytes.count, capacity: capacity) }
        bytes.withUnsafeBytes { storage.mutableBytes.copyMemory(from: $0) }
        used = bytes.count
    }

    /// Reads the whole pages.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(storage.bytes)
    }

    /// Writes the pages; set `used` to what you wrote.
    public mutating func withUnsafeMutableBytes<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(storage.mutableBytes)
    }
}
