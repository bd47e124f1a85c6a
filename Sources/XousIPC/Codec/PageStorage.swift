/// Whole pages of memory that travel in a memory message.
///
/// Xous maps pages from one address space into another; the model shares this allocation
/// between the lender and the server for the duration of a Borrow, and hands it over for a
/// Move. Who may touch it when is enforced by the noncopyable `Buffer` and `MessageEnvelope`.
final class PageStorage: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(pages: Int) {
        count = pages * Buffer.pageSize
        base = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: Buffer.pageSize)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: count)
    }

    /// Exactly `bytes.count` bytes (at least one allocated), for the copy of a memory message
    /// that arrived over a hosted-mode socket, whose length the sender chose.
    init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        if count > 0 { base.copyMemory(from: bytes.baseAddress!, byteCount: count) }
    }

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    var mutableBytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: count) }
}
