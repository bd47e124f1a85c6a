/// One netlink message: the fields of its `struct nlmsghdr` and the bytes after the header.
/// Integers in netlink are in host byte order.
public struct NetlinkMessage: Sendable, Hashable {
    /// `nlmsg_type`: a control type (`Netlink.MessageType`), an rtnetlink `RTM_*`, or a
    /// generic netlink family id.
    public var type: UInt16
    /// `nlmsg_flags` (`Netlink.Flag`).
    public var flags: UInt16
    /// `nlmsg_seq`: a reply carries its request's number; a notification usually 0.
    public var sequence: UInt32
    /// `nlmsg_pid`: the port the message answers (or, in a notification, the port whose request
    /// caused it); 0 from the kernel's own initiative.
    public var portID: UInt32
    /// What follows the 16-byte header, without the padding after it.
    public var payload: [UInt8]

    /// A message with these fields.
    public init(type: UInt16, flags: UInt16 = 0, sequence: UInt32 = 0, portID: UInt32 = 0, payload: [UInt8] = []) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// The message as it goes on the wire: header, payload, zero padding to 4 bytes.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Netlink.headerSize + Netlink.align(payload.count))
        // A payload of 4 GiB cannot be expressed; no request this module builds comes near.
        bytes.appendHost(UInt32(clamping: Netlink.headerSize + payload.count))
        bytes.appendHost(type)
        bytes.appendHost(flags)
        bytes.appendHost(sequence)
        bytes.appendHost(portID)
        bytes += payload
        bytes.padToAlignment()
        return bytes
    }

    /// Part of a multipart reply (`NLM_F_MULTI`): more follows, up to `NLMSG_DONE`.
    public var isMultipart: Bool { flags & Netlink.Flag.multi != 0 }

    /// For an `NLMSG_ERROR` message: nil when it acknowledges (error 0), otherwise the kernel's
    /// refusal with its `errno` and, when the kernel sent extended ACK attributes, its text.
    /// Throws when this is not an `NLMSG_ERROR` message or its payload is too short.
    public func kernelError() throws(NetlinkError) -> NetlinkError? {
        guard type == Netlink.MessageType.error else {
            throw NetlinkError("message type \(type) is not NLMSG_ERROR")
        }
        let code = try payload.host(Int32.self, at: 0, "the NLMSG_ERROR code")
        guard code != 0 else { return nil }
        // The kernel sends -errno; a few old paths sent it positive.
        guard code != .min else { throw NetlinkError("NLMSG_ERROR code \(code) is no errno") }
        let errno = code < 0 ? -code : code
        return NetlinkError(extendedAckMessage() ?? "the kernel refused the request", errno: errno)
    }

    /// `NLMSGERR_ATTR_MSG` from the TLVs after the echoed request (`NLM_F_ACK_TLVS`). A
    /// malformed TLV area yields nil rather than an error so the errno is never lost over it.
    private func extendedAckMessage() -> String? {
        guard flags & Netlink.Flag.ackTLVs != 0 else { return nil }
        // After the code comes the request's header, or (not capped) the whole request.
        var start = 4 + Netlink.headerSize
        if flags & Netlink.Flag.capped == 0 {
            guard let echoed = try? payload.host(UInt32.self, at: 4, "the echoed request's length"),
                  let length = Int(exactly: echoed), length <= payload.count else { return nil }
            start = 4 + Netlink.align(length)
        }
        guard start <= payload.count,
              let attributes = try? Netlink.attributes(in: payload[start...]),
              let text = attributes.last(Netlink.extendedAckMessage) else { return nil }
        return try? text.string()
    }
}

/// Splitting and joining netlink datagrams, and the constants of `linux/netlink.h`.
public enum Netlink {
    /// `NETLINK_ROUTE`: links, addresses, routes (`rtnetlink`).
    public static let routeProtocol: Int32 = 0
    /// `NETLINK_GENERIC`: the generic netlink families, nl80211 among them.
    public static let genericProtocol: Int32 = 16

    /// `RTMGRP_LINK`: link changes (`RTM_NEWLINK`, `RTM_DELLINK`).
    public static let groupLink: UInt32 = 0x1
    /// `RTMGRP_IPV4_IFADDR`: IPv4 address changes.
    public static let groupIPv4Address: UInt32 = 0x10
    /// `RTMGRP_IPV4_ROUTE`: IPv4 route changes.
    public static let groupIPv4Route: UInt32 = 0x40

    /// `AF_INET`, as the one-byte family field of the rtnetlink headers holds it.
    public static let familyIPv4: UInt8 = 2

    /// `nlmsg_type` values.
    public enum MessageType {
        /// `NLMSG_NOOP`: nothing; skip it.
        public static let noop: UInt16 = 1
        /// `NLMSG_ERROR`: an error, or an acknowledgement when its code is 0.
        public static let error: UInt16 = 2
        /// `NLMSG_DONE`: the end of a multipart reply.
        public static let done: UInt16 = 3
        /// `NLMSG_OVERRUN`: data was lost.
        public static let overrun: UInt16 = 4
        /// `RTM_NEWLINK`.
        public static let newLink: UInt16 = 16
        /// `RTM_DELLINK`.
        public static let deleteLink: UInt16 = 17
        /// `RTM_GETLINK`.
        public static let getLink: UInt16 = 18
        /// `RTM_NEWADDR`.
        public static let newAddress: UInt16 = 20
        /// `RTM_DELADDR`.
        public static let deleteAddress: UInt16 = 21
        /// `RTM_GETADDR`.
        public static let getAddress: UInt16 = 22
        /// `RTM_NEWROUTE`.
        public static let newRoute: UInt16 = 24
        /// `RTM_DELROUTE`.
        public static let deleteRoute: UInt16 = 25
        /// `RTM_GETROUTE`.
        public static let getRoute: UInt16 = 26
        /// `GENL_ID_CTRL`: the generic netlink controller, which names the other families.
        public static let genericControl: UInt16 = 16
    }

    /// `nlmsg_flags` bits.
    public enum Flag {
        /// `NLM_F_REQUEST`: a request (every message to the kernel carries it).
        public static let request: UInt16 = 0x1
        /// `NLM_F_MULTI`: part of a multipart reply, ended by `NLMSG_DONE`.
        public static let multi: UInt16 = 0x2
        /// `NLM_F_ACK`: the sender wants an acknowledgement.
        public static let ack: UInt16 = 0x4
        /// `NLM_F_DUMP_INTR`: the table changed during the dump, so it may be inconsistent.
        public static let dumpInterrupted: UInt16 = 0x10
        /// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`): every object, as a multipart reply.
        public static let dump: UInt16 = 0x300
        /// `NLM_F_CAPPED` on an error: only the request's header is echoed.
        public static let capped: UInt16 = 0x100
        /// `NLM_F_ACK_TLVS` on an error: extended ACK attributes follow.
        public static let ackTLVs: UInt16 = 0x200
    }

    /// `sizeof(struct nlmsghdr)`.
    static let headerSize = 16
    /// `NLMSGERR_ATTR_MSG`.
    static let extendedAckMessage: UInt16 = 1

    /// `NLMSG_ALIGN` / `NLA_ALIGN`: up to a multiple of 4. Callers pass lengths bounded by a
    /// buffer's count, so this cannot overflow.
    static func align(_ length: Int) -> Int { (length + 3) & ~3 }

    /// The messages of one datagram, in order. Each declared length must cover at least the
    /// header and end within `bytes`; the next message starts at the aligned length (the final
    /// padding may be missing). Anything else throws: the datagram is not trustworthy.
    public static func messages(in bytes: some Collection<UInt8>) throws(NetlinkError) -> [NetlinkMessage] {
        let bytes = Array(bytes)
        var messages: [NetlinkMessage] = []
        for record in try records(in: bytes, headerSize: headerSize, name: "nlmsg_len", length: { (offset) throws(NetlinkError) in
            Int(clamping: try bytes.host(UInt32.self, at: offset, "nlmsg_len"))
        }) {
            messages.append(NetlinkMessage(
                type: try bytes.host(UInt16.self, at: record.lowerBound + 4, "nlmsg_type"),
                flags: try bytes.host(UInt16.self, at: record.lowerBound + 6, "nlmsg_flags"),
                sequence: try bytes.host(UInt32.self, at: record.lowerBound + 8, "nlmsg_seq"),
                portID: try bytes.host(UInt32.self, at: record.lowerBound + 12, "nlmsg_pid"),
                payload: Array(bytes[(record.lowerBound + headerSize)..<record.upperBound])))
        }
        return messages
    }

    /// The ranges of the length-prefixed records (messages or attributes) that fill `bytes`:
    /// each `length(offset)` must be at least `headerSize` and end within `bytes`, and the next
    /// record starts at the aligned end. A length below the header would never advance, so it
    /// throws along with lengths past the end and scraps too short for a header.
    static func records(in bytes: [UInt8], headerSize: Int, name: String,
                        length: (Int) throws(NetlinkError) -> Int) throws(NetlinkError) -> [Range<Int>] {
        var records: [Range<Int>] = []
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= headerSize else {
                throw NetlinkError("\(remaining) bytes at offset \(offset) are too few for a \(headerSize)-byte header")
            }
            let declared = try length(offset)
            guard declared >= headerSize else {
                throw NetlinkError("\(name) \(declared) at offset \(offset) is shorter than the header")
            }
            guard declared <= remaining else {
                throw NetlinkError("\(name) \(declared) at offset \(offset) runs past the \(remaining) bytes left")
            }
            records.append(offset..<(offset + declared))
            offset += min(align(declared), remaining)
        }
        return records
    }
}

extension [UInt8] {
    /// The host-order integer at `offset`, or an error naming `what` when it does not fit.
    func host<T: FixedWidthInteger>(_: T.Type, at offset: Int, _ what: @autoclosure () -> String) throws(NetlinkError) -> T {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else {
            throw NetlinkError("\(what()) needs \(size) bytes at offset \(offset) of \(count)")
        }
        return withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    /// Appends `value` in host byte order, as netlink wants it.
    mutating func appendHost(_ value: some FixedWidthInteger) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Appends zeros up to a multiple of 4.
    mutating func padToAlignment() {
        append(contentsOf: repeatElement(0, count: Netlink.align(count) - count))
    }
}
