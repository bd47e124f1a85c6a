/// Pages to send in a memory message: the model of `xous-ipc`'s `Buffer`.
///
/// Memory messages carry whole 4096-byte pages. A buffer holds an rkyv archive from byte 0
/// (`Archivable`); `used`, the archive's length, is sent as the message's `offset` and the page
/// length as its `valid`, exactly as `Buffer::lend`, `lend_mut` and `send` put them, and the
/// receiver finds the archive's root at `offset - size`. A `Buffer` is noncopyable so that Xous's ownership rules
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

    /// A buffer holding `value`'s archive from byte 0 (`Buffer::into_buf`).
    public init(encoding value: some Archivable) {
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

    /// Decodes the archive in the used bytes (`Buffer::to_original`), its root at `used - size`;
    /// every pointer, tag and length is checked, where Xous's `access_unchecked` trusts them.
    public func decode<T: Archivable>(_ type: T.Type = T.self) throws(WireError) -> T {
        guard used >= 0, used <= capacity else { throw .doesNotFit(needed: used, capacity: capacity) }
        return try T.decode(UnsafeRawBufferPointer(rebasing: storage.bytes[0..<used]))
    }

    /// Archives `value` into the same pages from byte 0 (`Buffer::replace`). Bytes past the new
    /// `used` keep what they held, as in Xous.
    public mutating func replace(encoding value: some Archivable) throws(WireError) {
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
