#if canImport(Glibc)
import TestHarness
import Glibc
#endif

/// A TCP listener on 127.0.0.1 that never accepts and never answers: the kernel completes the
/// handshakes (up to the backlog), after which SYNs are dropped.
final class SilentListener {
    let port: Int
    private let descriptor: Int32
    private var fillers: [Int32] = []

    init(backlog: Int32) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw MosquittoBroker.Failure(description: "socket failed") }
        var address = MosquittoBroker.loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0, listen(descriptor, backlog) == 0 else {
            close(descriptor)
            throw MosquittoBroker.Failure(description: "bind/listen failed")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        for filler in fillers { close(filler) }
        close(descriptor)
    }

    /// Opens connections until the accept queue is full, so that the next SYN is dropped.
    func fillAcceptQueue() throws {
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var address = MosquittoBroker.loopbackAddress(port: port)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fillers.append(filler)
        }
        usleep(50_000)
    }
}
