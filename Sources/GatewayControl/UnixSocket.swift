#if canImport(Glibc)
import Glibc
#endif

/// Why a control socket could not be opened, reached or used.
public struct ControlSocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, in words for an operator, naming the path when there is one.
    public let message: String
    /// The `errno` behind it, or 0.
    public let code: Int32

    /// An error with `message`, and the `errno` that caused it if any.
    public init(_ message: String, code: Int32 = 0) {
        self.message = message
        self.code = code
    }

    public var description: String { message }

    package static func system(_ what: String, _ code: Int32 = errno) -> ControlSocketError {
        ControlSocketError("\(what): \(String(cString: strerror(code)))", code: code)
    }
}

/// Thin, checked wrappers over the POSIX calls for `AF_UNIX` stream sockets.
public enum UnixSocket {
    /// `sun_path` holds 108 bytes, including the terminating NUL.
    public static let maxPathBytes = 107

    /// A `sockaddr_un` for `path`, refusing paths the kernel could not hold.
    static func address(_ path: String) throws(ControlSocketError) -> sockaddr_un {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty else { throw ControlSocketError("the control socket path is empty") }
        guard bytes.count <= maxPathBytes else {
            throw ControlSocketError(
                "control socket path '\(path)' is \(bytes.count) bytes; a Unix socket path holds at most \(maxPathBytes)")
        }
        guard !bytes.contains(0) else { throw ControlSocketError("control socket path contains a NUL byte") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// A new close-on-exec stream socket.
    package static func makeSocket() throws(ControlSocketError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("cannot create a Unix socket") }
        return fd
    }

    /// Connects to the socket at `path`; the connected descriptor (blocking, close-on-exec).
    public static func connect(_ path: String) throws(ControlSocketError) -> Int32 {
        var address = try Self.address(path)
        let fd = try makeSocket()
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw .system("cannot connect to '\(path)'", code)
        }
        return fd
    }

    /// Binds `fd` to `path`.
    package static func bind(_ fd: Int32, _ path: String) throws(ControlSocketError) {
        var address = try Self.address(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw .system("cannot bind the control socket '\(path)'") }
    }

    /// Sets close-on-exec.
    package static func setCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }

    /// Sets or clears `O_NONBLOCK`.
    package static func setNonBlocking(_ fd: Int32, _ on: Bool = true) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
    }

    /// Writes all of `bytes` to a blocking descriptor, without raising SIGPIPE.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(ControlSocketError) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("cannot write to gatewayd")
            }
            sent += count
        }
    }

    /// Waits up to `timeoutMs` (negative: forever) for `fd` to be readable. False on time-out.
    package static func waitReadable(_ fd: Int32, timeoutMs: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let result = poll(&entry, 1, timeoutMs)
            if result < 0, errno == EINTR { continue }
            return result > 0
        }
    }

    /// Facts about the file at `path`; nil when absent. Does not follow a symbolic link
    /// unless `follow` is set.
    package static func fileInfo(_ path: String, follow: Bool = false) -> FileInfo? {
        var info = stat()
        guard (follow ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        return FileInfo(
            isSocket: info.st_mode & S_IFMT == S_IFSOCK,
            isDirectory: info.st_mode & S_IFMT == S_IFDIR,
            permissions: UInt32(info.st_mode & 0o7777),
            owner: UInt32(info.st_uid),
            device: UInt64(info.st_dev),
            inode: UInt64(info.st_ino))
    }
}

/// Reads `\n`-terminated lines from a blocking socket, each at most `maxLineBytes` long.
public struct LineReader {
    private let fd: Int32
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []

    /// A reader of `fd`'s lines.
    public init(fd: Int32, maxLineBytes: Int) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
    }

    /// The next line without its `\n`; nil at end of stream.
    /// - Parameter timeoutMs: how long to wait for the whole line; negative waits forever.
    /// - Throws: on time-out, a read error, or a line longer than allowed.
    public mutating func next(timeoutMs: Int32) throws(ControlSocketError) -> [UInt8]? {
        let deadline = timeoutMs < 0 ? nil : Self.nowMs() + Int64(timeoutMs)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            guard buffer.count <= maxLineBytes else {
                throw ControlSocketError("gatewayd sent a line longer than \(maxLineBytes) bytes")
            }
            var wait: Int32 = -1
            if let deadline {
                let left = deadline - Self.nowMs()
                guard left > 0 else { throw ControlSocketError("timed out", code: ETIMEDOUT) }
                wait = Int32(clamping: left)
            }
            guard UnixSocket.waitReadable(fd, timeoutMs: wait) else {
                throw ControlSocketError("timed out", code: ETIMEDOUT)
            }
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .system("cannot read from gatewayd")
            }
            if count == 0 {
                // The peer closed; a last line without its newline still counts.
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return buffer
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    package static func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// What `UnixSocket.fileInfo` tells about a file.
package struct FileInfo: Hashable, Sendable {
    package let isSocket: Bool
    package let isDirectory: Bool
    /// The permission bits, as in `0o660`.
    package let permissions: UInt32
    package let owner: UInt32
    package let device: UInt64
    package let inode: UInt64
}
