/// One netlink attribute: an `rtattr` (rtnetlink) or `nlattr` (generic netlink), which share
/// their layout — a 16-bit length including the 4-byte header, a 16-bit type, the value, and
/// padding to 4 bytes.
public struct NetlinkAttribute: Sendable, Hashable {
    /// The type without the flag bits (`NLA_TYPE_MASK`).
    public let type: UInt16
    /// `NLA_F_NESTED`: the sender marked the value as attributes. Many kernel paths nest without
    /// setting it, so decoders go by type, not by this flag.
    public let isNested: Bool
    /// `NLA_F_NET_BYTEORDER`: the value's integer is big-endian.
    public let isNetworkByteOrder: Bool
    /// The value, without header or padding.
    public let value: [UInt8]

    /// `NLA_F_NESTED`.
    static let nestedFlag: UInt16 = 0x8000
    /// `NLA_F_NET_BYTEORDER`.
    static let networkByteOrderFlag: UInt16 = 0x4000
    /// `sizeof(struct nlattr)`.
    static let headerSize = 4

    /// An attribute of `type` holding `value`; flag bits in `type` are dropped (say them with
    /// `isNested` and `isNetworkByteOrder`).
    public init(type: UInt16, value: [UInt8], isNested: Bool = false, isNetworkByteOrder: Bool = false) {
        self.type = type & ~(Self.nestedFlag | Self.networkByteOrderFlag)
        self.value = value
        self.isNested = isNested
        self.isNetworkByteOrder = isNetworkByteOrder
    }

    /// The attribute as it goes on the wire, padded to 4 bytes. `nla_len` is 16 bits: a value
    /// over 65,531 bytes cannot be expressed, and its length is clamped (the kernel refuses it).
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendHost(UInt16(clamping: Self.headerSize + value.count))
        bytes.appendHost(type | (isNested ? Self.nestedFlag : 0) | (isNetworkByteOrder ? Self.networkByteOrderFlag : 0))
        bytes += value
        bytes.padToAlignment()
        return bytes
    }

    /// The value as one byte; throws unless it is exactly one byte.
    public func u8() throws(NetlinkError) -> UInt8 { try integer(UInt8.self) }
    /// The value as a signed byte (`s8`, as nl80211 reports dBm).
    public func i8() throws(NetlinkError) -> Int8 { try integer(Int8.self) }
    /// The value as a host-order `u16`.
    public func u16() throws(NetlinkError) -> UInt16 { try integer(UInt16.self) }
    /// The value as a host-order `u32`.
    public func u32() throws(NetlinkError) -> UInt32 { try integer(UInt32.self) }
    /// The value as a host-order `s32`.
    public func i32() throws(NetlinkError) -> Int32 { try integer(Int32.self) }
    /// The value as a host-order `u64`.
    public func u64() throws(NetlinkError) -> UInt64 { try integer(UInt64.self) }

    /// The value as UTF-8 text up to the first NUL, or all of it when there is none (some
    /// attributes are `NLA_NUL_STRING`, others `NLA_STRING` without one). Throws on bytes that
    /// are not UTF-8.
    public func string() throws(NetlinkError) -> String {
        let text = value.firstIndex(of: 0).map { value[..<$0] } ?? value[...]
        guard let string = String(validating: text, as: UTF8.self) else {
            throw NetlinkError("attribute \(type) is not UTF-8 text")
        }
        return string
    }

    /// The value read as attributes (one level; call again for deeper ones).
    public func nested() throws(NetlinkError) -> [NetlinkAttribute] {
        do {
            return try Netlink.attributes(in: value)
        } catch {
            throw NetlinkError("in attribute \(type): \(error.message)")
        }
    }

    /// The whole value as `T`: a value of another size means the sender and this decoder
    /// disagree about the attribute, so guessing would be worse than refusing.
    private func integer<T: FixedWidthInteger>(_: T.Type) throws(NetlinkError) -> T {
        guard value.count == MemoryLayout<T>.size else {
            throw NetlinkError("attribute \(type) has \(value.count) bytes, not the \(MemoryLayout<T>.size) of a \(T.self)")
        }
        let raw = try value.host(T.self, at: 0, "attribute \(type)")
        return isNetworkByteOrder ? T(bigEndian: raw) : raw
    }
}

extension Netlink {
    /// The attributes in `bytes`, in order. Each length must be at least the 4-byte header and
    /// end within `bytes`; the next starts at the aligned length (the final padding may be
    /// missing). A length of 0 would never advance, so it throws with the rest.
    public static func attributes(in bytes: some Collection<UInt8>) throws(NetlinkError) -> [NetlinkAttribute] {
        let bytes = Array(bytes)
        var attributes: [NetlinkAttribute] = []
        for record in try records(in: bytes, headerSize: NetlinkAttribute.headerSize, name: "nla_len", length: {
            (offset) throws(NetlinkError) in Int(try bytes.host(UInt16.self, at: offset, "nla_len"))
        }) {
            let rawType = try bytes.host(UInt16.self, at: record.lowerBound + 2, "nla_type")
            attributes.append(NetlinkAttribute(
                type: rawType,
                value: Array(bytes[(record.lowerBound + NetlinkAttribute.headerSize)..<record.upperBound]),
                isNested: rawType & NetlinkAttribute.nestedFlag != 0,
                isNetworkByteOrder: rawType & NetlinkAttribute.networkByteOrderFlag != 0))
        }
        return attributes
    }

    /// The attributes after a fixed-size family header (`struct ifinfomsg`, `genlmsghdr`, …) in
    /// `payload`; throws when the payload is shorter than that header.
    static func attributes(in payload: [UInt8], after headerSize: Int, _ header: String) throws(NetlinkError) -> [NetlinkAttribute] {
        guard payload.count >= headerSize else {
            throw NetlinkError("a payload of \(payload.count) bytes is shorter than \(header) (\(headerSize))")
        }
        return try attributes(in: payload[headerSize...])
    }
}

extension [NetlinkAttribute] {
    /// The last attribute of `type`: the kernel's own parser lets a later one win.
    func last(_ type: UInt16) -> NetlinkAttribute? { last(where: { $0.type == type }) }

    /// The value of the last attribute of `type`, refused unless its size is in `sizes`.
    func value(_ type: UInt16, sizes: ClosedRange<Int>, _ what: String) throws(NetlinkError) -> [UInt8]? {
        guard let value = last(type)?.value else { return nil }
        guard sizes.contains(value.count) else {
            throw NetlinkError("\(what) has \(value.count) bytes, not \(sizes.lowerBound)…\(sizes.upperBound)")
        }
        return value
    }
}
