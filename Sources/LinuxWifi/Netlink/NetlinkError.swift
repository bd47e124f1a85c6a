#if canImport(Glibc)
import Glibc
#endif

/// Why netlink bytes could not be decoded, or why the kernel or the socket refused.
public struct NetlinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, in words; for a kernel refusal, its extended-ACK text when it sent one.
    public var message: String
    /// The `errno` (positive) when the kernel or a system call reported one; nil for bytes that
    /// do not decode.
    public var errno: Int32?

    /// An error saying `message`, with the `errno` behind it if any.
    public init(_ message: String, errno: Int32? = nil) {
        self.message = message
        self.errno = errno
    }

    /// The notification socket's queue overflowed (`ENOBUFS`): notifications were lost, so
    /// whatever the caller built from them must be read again with dumps.
    public var isOverrun: Bool { errno == ENOBUFS }

    /// No reply came within the request's timeout (`ETIMEDOUT`).
    public var isTimeout: Bool { errno == ETIMEDOUT }

    public var description: String {
        guard let errno else { return "netlink: \(message)" }
        return "netlink: \(message) (errno \(errno): \(String(cString: strerror(errno))))"
    }

    /// An error for a failed system call, with the `errno` it left.
    static func system(_ what: String, _ code: Int32 = Glibc.errno) -> NetlinkError {
        NetlinkError(what, errno: code)
    }
}
