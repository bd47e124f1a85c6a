#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few TCP calls hosted mode needs, on a plain file descriptor: blocking reads and writes
/// of exact lengths, so that a thread waiting for a frame sleeps in the kernel and costs
/// nothing while idle.
enum TCPSocket {
    /// Why a socket call failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ what: String) { description = "\(what): \(String(cString: strerror(errno)))" }
        init(message: String) { description = message }
    }

    /// Splits `host:port` (an IPv6 host in brackets).
    static func split(_ address: String) -> (host: String, port: UInt16)? {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    private static func resolve(_ address: String, passive: Bool) throws(Failure) -> (sockaddr_storage, socklen_t, Int32) {
        guard let (host, port) = split(address) else { throw Failure(message: "\(address) is not host:port") }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw Failure(message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen))) }
        return (storage, first.pointee.ai_addrlen, first.pointee.ai_family)
    }

    /// A connected socket with `TCP_NODELAY`, as both sides of hosted mode set it.
    static func connect(to address: String) throws(Failure) -> Int32 {
        var (storage, length, family) = try resolve(address, passive: false)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        var result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if result != 0 && errno == EINTR {
            // A signal cut the wait short; the connection goes on: wait for it to finish.
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            while poll(&entry, 1, -1) < 0 && errno == EINTR {}
            var failure: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size)
            errno = failure
            result = failure == 0 ? 0 : -1
        }
        guard result == 0 else {
            let failure = Failure("connect to \(address)")
            close(fd)
            throw failure
        }
        setNoDelay(fd)
        return fd
    }

    /// A listening socket on `address` (port 0 for an ephemeral one) and the address it got.
    static func listen(on address: String) throws(Failure) -> (fd: Int32, bound: String) {
        var (storage, length, family) = try resolve(address, passive: true)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, Glibc.listen(fd, 64) == 0 else {
            let failure = Failure("listen on \(address)")
            close(fd)
            throw failure
        }
        return (fd, localAddress(fd) ?? address)
    }

    /// `ip:port` of a socket's local end.
    static func localAddress(_ fd: Int32) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        } == 0
        guard ok else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0 else { return nil }
        let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let port = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.contains(":") ? "[\(text)]:\(port)" : "\(text):\(port)"
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Gives up a read that waits longer than `milliseconds` (0: wait for ever).
    static func setReceiveTimeout(_ fd: Int32, milliseconds: Int) {
        var time = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads exactly `count` bytes; false on end of stream, error or timeout.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Bool {
        var done = 0
        while done < count {
            let got = recv(fd, buffer + done, count - done, 0)
            if got > 0 {
                done += got
            } else if got < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Reads exactly `count` bytes into a new array; nil as `read`.
    static func read(_ fd: Int32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = count == 0 || bytes.withUnsafeMutableBytes { read(fd, into: $0.baseAddress!, count: count) }
        return ok ? bytes : nil
    }

    /// Writes all of `bytes`; false when the peer is gone.
    @discardableResult
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        sendSome(fd, bytes, flags: Int32(MSG_NOSIGNAL)) == bytes.count
    }

    /// Writes what the socket takes now without waiting: the count written (0 when its send
    /// buffer is full), nil when the peer is gone.
    static func writeWithoutWaiting(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int? {
        sendSome(fd, bytes, flags: Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
    }

    /// Sends until all of `bytes` went or the socket would block: the count sent, nil on an error.
    private static func sendSome(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, flags: Int32) -> Int? {
        var done = 0
        while done < bytes.count {
            let sent = send(fd, bytes.baseAddress! + done, bytes.count - done, flags)
            if sent > 0 {
                done += sent
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return done
            } else {
                return nil
            }
        }
        return done
    }

    /// Bytes waiting in the socket's receive queue.
    static func available(_ fd: Int32) -> Int {
        var count: Int32 = 0
        return ioctl(fd, UInt(FIONREAD), &count) == 0 ? Int(count) : 0
    }
}
