#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An `AF_NETLINK` socket (`SOCK_RAW | SOCK_CLOEXEC`) of one protocol, bound to a port the
/// kernel picks and, optionally, to multicast groups.
///
/// Use two sockets: one bound to groups (`Netlink.groupLink | …`) whose descriptor the caller
/// polls and reads with `receive(timeoutMs:)`, and one without groups for `request(_:timeoutMs:)`.
/// A request on a socket that also receives notifications would have to skip them, and what it
/// skipped would be lost to the notification reader.
///
/// Calls are serialized: `request`, `receive` and `close` wait for one another, so a reply is
/// never read by the wrong call and the descriptor is never closed under a call still using it.
/// Only datagrams the kernel sent (source port 0) are read; others are dropped unread.
public final class NetlinkSocket: Sendable {
    /// The descriptor, -1 once closed.
    private let descriptor: Mutex<Int32>
    private let sequenceCounter = Atomic<UInt32>(0)
    /// The port (`nl_pid`) the kernel gave this socket; replies carry it.
    public let portID: UInt32

    /// `NETLINK_EXT_ACK`, `NETLINK_CAP_ACK` (`linux/netlink.h`; `SOL_NETLINK` options).
    private static let optionExtendedAck: Int32 = 11
    private static let optionCappedAck: Int32 = 10
    /// `sizeof(struct sockaddr_nl)`.
    private static let addressSize = 12

    /// Opens a socket of `protocol` (`Netlink.routeProtocol` or `Netlink.genericProtocol`)
    /// subscribed to the multicast `groups` (a mask of `RTMGRP_*` for rtnetlink; 0 for none).
    ///
    /// `receiveBufferBytes` sets `SO_RCVBUF` (the kernel doubles it and caps it at
    /// `net.core.rmem_max`); nil keeps the kernel's default, some 200 KiB, which a Wi-Fi host's
    /// link and address churn does not fill unless the reader stalls.
    public init(protocol netlinkProtocol: Int32, groups: UInt32 = 0, receiveBufferBytes: Int32? = nil) throws(NetlinkError) {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkProtocol)
        guard fd >= 0 else { throw .system("cannot open a netlink socket of protocol \(netlinkProtocol)") }
        do throws(NetlinkError) {
            // Error text and a capped echo of the request: nicer errors, smaller replies. Kernels
            // without these options just refuse them, which costs nothing.
            _ = Self.setOption(fd, SOL_NETLINK, Self.optionExtendedAck, 1)
            _ = Self.setOption(fd, SOL_NETLINK, Self.optionCappedAck, 1)
            if let receiveBufferBytes, !Self.setOption(fd, SOL_SOCKET, SO_RCVBUF, receiveBufferBytes) {
                throw NetlinkError.system("cannot set the receive buffer to \(receiveBufferBytes) bytes")
            }
            var address = Self.address(port: 0, groups: groups)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(Self.addressSize)) }
            }
            guard bound == 0 else { throw NetlinkError.system("cannot bind the netlink socket to groups \(groups)") }
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else { throw NetlinkError.system("cannot read the netlink socket's port") }
            portID = Self.port(of: address)
        } catch {
            Glibc.close(fd)
            throw error
        }
        descriptor = Mutex(fd)
    }

    deinit { close() }

    /// The descriptor, for `poll()`; -1 once closed. Waits for a call in progress.
    public var fileDescriptor: Int32 { descriptor.withLock { $0 } }

    /// A sequence number for the next request on this socket.
    public func nextSequence() -> UInt32 {
        sequenceCounter.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Sends `bytes` (one complete request message, as `NetlinkRequest` builds) and returns the
    /// replies that carry its sequence number and this socket's port, without the closing
    /// `NLMSG_DONE` or acknowledgement:
    /// - a dump (replies marked `NLM_F_MULTI`): every message up to `NLMSG_DONE`;
    /// - a request with `NLM_F_ACK`: every message up to the acknowledgement;
    /// - otherwise: the single reply.
    ///
    /// Throws the kernel's error for `NLMSG_ERROR` with a nonzero code (`errno` set: `ENOENT`,
    /// `ENODEV`, `EPERM`, …) or a failed dump; `EINTR` when the kernel marks the dump
    /// inconsistent because the table changed meanwhile (ask again); `ETIMEDOUT` when the
    /// replies do not end within `timeoutMs` (0 or less: right after sending; replies that come
    /// later are skipped by the next request, whose sequence differs); and for any reply that
    /// does not decode.
    public func request(_ bytes: [UInt8], timeoutMs: Int32 = 1000) throws(NetlinkError) -> [NetlinkMessage] {
        let sent = try Netlink.messages(in: bytes)
        guard sent.count == 1, let request = sent.first else {
            throw NetlinkError("a request is one message, not \(sent.count)")
        }
        let deadline = Self.monotonicMilliseconds() + Int64(max(timeoutMs, 0))
        return try descriptor.withLock { (fd: inout Int32) throws(NetlinkError) -> [NetlinkMessage] in
            guard fd >= 0 else { throw NetlinkError("the netlink socket is closed", errno: EBADF) }
            try Self.send(fd, bytes)
            var replies: [NetlinkMessage] = []
            var interrupted = false
            while true {
                let remaining = deadline - Self.monotonicMilliseconds()
                guard remaining > 0 else {
                    throw NetlinkError("no complete reply to request type \(request.type) within \(timeoutMs) ms",
                                       errno: ETIMEDOUT)
                }
                for message in try Netlink.messages(in: Self.receiveDatagram(fd, timeoutMs: Int32(remaining))) {
                    guard message.sequence == request.sequence, message.portID == portID else { continue }
                    interrupted = interrupted || message.flags & Netlink.Flag.dumpInterrupted != 0
                    switch message.type {
                    case Netlink.MessageType.noop:
                        continue
                    case Netlink.MessageType.error:
                        if let refusal = try message.kernelError() { throw refusal }
                        return replies
                    case Netlink.MessageType.done:
                        try Self.checkDone(message)
                        guard !interrupted else {
                            throw NetlinkError("the dump changed while it was read; ask again", errno: EINTR)
                        }
                        return replies
                    case Netlink.MessageType.overrun:
                        throw NetlinkError("the kernel reported NLMSG_OVERRUN", errno: ENOBUFS)
                    default:
                        replies.append(message)
                        if !message.isMultipart && request.flags & Netlink.Flag.ack == 0 { return replies }
                    }
                }
            }
        }
    }

    /// The messages of one datagram, waiting up to `timeoutMs` for it (0: not at all; negative:
    /// without limit); [] when none came or it was not the kernel's. For the notification socket.
    ///
    /// Throws with `isOverrun` (`ENOBUFS`) when the socket's queue overflowed and notifications
    /// were lost: the caller should dump links, addresses and routes again to resync, then carry
    /// on receiving. Also throws for a datagram that does not decode.
    public func receive(timeoutMs: Int32) throws(NetlinkError) -> [NetlinkMessage] {
        try descriptor.withLock { (fd: inout Int32) throws(NetlinkError) -> [NetlinkMessage] in
            guard fd >= 0 else { throw NetlinkError("the netlink socket is closed", errno: EBADF) }
            return try Netlink.messages(in: Self.receiveDatagram(fd, timeoutMs: timeoutMs))
        }
    }

    /// Closes the descriptor (once; later calls do nothing). Waits for a call in progress.
    public func close() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            Glibc.close(fd)
            fd = -1
        }
    }

    // MARK: System calls

    /// Waits up to `timeoutMs` for a datagram and reads it whole; [] on timeout, on a signal,
    /// or when a process other than the kernel sent it (anyone may send to a netlink port).
    private static func receiveDatagram(_ fd: Int32, timeoutMs: Int32) throws(NetlinkError) -> [UInt8] {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, timeoutMs)
        guard ready >= 0 else {
            if Glibc.errno == EINTR { return [] }
            throw .system("cannot poll the netlink socket")
        }
        guard ready > 0 else { return [] }
        // Peeking with MSG_TRUNC gives the datagram's full size, so no buffer guess can cut it.
        let size = recv(fd, nil, 0, Int32(MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT))
        guard size >= 0 else { return try failedReceive() }
        var buffer = [UInt8](repeating: 0, count: max(size, 1))
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, &length)
                }
            }
        }
        guard count >= 0 else { return try failedReceive() }
        guard port(of: address) == 0 else { return [] }
        return Array(buffer[..<min(count, buffer.count)])
    }

    /// What a failed `recv` means: nothing to read yet, lost notifications, or a real error.
    private static func failedReceive() throws(NetlinkError) -> [UInt8] {
        let code = Glibc.errno
        switch code {
        case EINTR, EAGAIN:
            return []
        case ENOBUFS:
            throw NetlinkError("the socket's queue overflowed and notifications were lost; dump again to resync",
                               errno: ENOBUFS)
        default:
            throw .system("cannot read the netlink socket", code)
        }
    }

    /// Sends one datagram to the kernel (port 0).
    private static func send(_ fd: Int32, _ bytes: [UInt8]) throws(NetlinkError) {
        var address = Self.address(port: 0, groups: 0)
        while true {
            let sent = bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(addressSize))
                    }
                }
            }
            if sent == bytes.count { return }
            guard sent < 0, Glibc.errno == EINTR else {
                throw .system("cannot send \(bytes.count) bytes to the kernel")
            }
        }
    }

    /// `NLMSG_DONE` carries the dump's final status as an `int`; negative means it failed.
    private static func checkDone(_ message: NetlinkMessage) throws(NetlinkError) {
        guard message.payload.count >= 4 else { return }
        let status = try message.payload.host(Int32.self, at: 0, "the NLMSG_DONE status")
        if status < 0, status != .min {
            throw NetlinkError("the dump failed", errno: -status)
        }
    }

    /// A `struct sockaddr_nl`, built in a `sockaddr_storage` because Glibc's module does not
    /// import `linux/netlink.h`: family, 2 bytes of padding, port, groups.
    private static func address(port: UInt32, groups: UInt32) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.storeBytes(of: sa_family_t(AF_NETLINK), toByteOffset: 0, as: sa_family_t.self)
            raw.storeBytes(of: port, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: groups, toByteOffset: 8, as: UInt32.self)
        }
        return storage
    }

    /// `nl_pid` of a `struct sockaddr_nl`.
    private static func port(of address: sockaddr_storage) -> UInt32 {
        withUnsafeBytes(of: address) { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }
    }

    /// `setsockopt` with an `int` value; true on success.
    private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) -> Bool {
        var value = value
        return setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    private static func monotonicMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
