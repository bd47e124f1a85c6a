// libFuzzer target for our hosted-mode kernel's frame reader: each input is the byte stream a
// process sends after a correct handshake (frames, payloads, garbage). Whatever it is, it may
// end that process's connection and nothing else: the kernel keeps serving a healthy process
// that checks itself after every input. scripts/fuzz builds and runs it.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import XousIPC

/// One kernel for the whole run, with one well-behaved process on it.
final class Rig: @unchecked Sendable {
    let host: HostedKernel
    let healthy: XousProcess
    let sid: SID
    let cid: CID

    init() {
        do {
            host = try HostedKernel()
            host.log = { _ in }
            try host.start()
            let (pid, key) = try host.admit(name: "healthy")
            let environment = try HostedEnvironment(environment: [
                "XOUS_SERVER": host.address, "XOUS_PID": String(pid), "XOUS_PROCESS_KEY": HostedEnvironment.hex(key),
            ])
            healthy = try XousProcess.joinHosted(environment, name: "healthy")
            sid = try healthy.createServer()
            cid = try healthy.tryConnect(sid)
        } catch {
            fatalError("fuzz-hosted: cannot set up the kernel: \(error)")
        }
    }

    /// A connection of a freshly admitted process, past its handshake.
    func hostileConnection() -> Int32 {
        var admitted: (pid: PID, key: [UInt8])?
        for _ in 0..<500 where admitted == nil {
            // A previous input's process may still be being torn down, holding its slot.
            admitted = try? host.admit(name: "fuzz")
            if admitted == nil { usleep(1_000) }
        }
        guard let (pid, key) = admitted else { fatalError("fuzz-hosted: the kernel has no free process slot") }
        let fd = Rig.connect(to: host.address)
        _ = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var answer: UInt8 = 0
        // libFuzzer's time-out alarm interrupts blocking calls: EINTR is retried, not a refusal.
        var got = -1
        repeat { got = read(fd, &answer, 1) } while got < 0 && errno == EINTR
        expect(got == 1 && answer == pid, "the kernel did not accept an admitted key (read \(got), errno \(errno))")
        return fd
    }

    private static func connect(to address: String) -> Int32 {
        let port = UInt16(address.split(separator: ":").last!)!
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        // Hundreds of thousands of short connections: libFuzzer's alarm can interrupt a
        // connect (EINTR), and the loopback's ephemeral ports can run short for a moment
        // (EADDRNOTAVAIL). Both are the harness's, not the kernel's, so they are retried with a
        // fresh socket; a refusal or anything lasting a second breaks the invariant.
        var lastError: Int32 = 0
        for _ in 0..<200 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let status = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if status == 0 { return fd }
            lastError = errno
            close(fd)
            guard lastError == EINTR || lastError == EADDRNOTAVAIL || lastError == EAGAIN else { break }
            usleep(5_000)
        }
        expect(false, "cannot connect to the kernel (errno \(lastError))")
        return -1
    }
}

nonisolated(unsafe) var rig: Rig?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if rig == nil { rig = Rig() }
    let rig = rig!
    let fd = rig.hostileConnection()
    var written = 0
    while written < size {
        let sent = send(fd, data + written, size - written, Int32(MSG_NOSIGNAL))
        if sent < 0 && errno == EINTR { continue }
        if sent <= 0 { break }  // the kernel closed the connection: allowed
        written += sent
    }
    // End of stream is how a hosted process exits; drain the answers until the kernel closes.
    shutdown(fd, Int32(SHUT_WR))
    var sink = [UInt8](repeating: 0, count: 4096)
    while true {
        let got = sink.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if got > 0 || (got < 0 && errno == EINTR) { continue }
        break
    }
    close(fd)
    // The kernel still serves the healthy process.
    let sent = Result { () throws(XousError) in try rig.healthy.send(rig.cid, .scalar(ScalarMessage(id: 7, UInt(size)))) }
    expect(sent == .success(.ok), "the healthy process's send failed after an input: \(sent)")
    let received = Result { () throws(XousError) -> (UInt, UInt?)? in
        guard let envelope = try rig.healthy.tryReceive(rig.sid) else { return nil }
        return (envelope.id, envelope.scalar?.arg1)
    }
    switch received {
    case .success(let message?):
        expect(message.0 == 7 && message.1 == UInt(size), "the healthy process got another message")
    case .success(nil):
        expect(false, "the healthy process's message did not arrive")
    case .failure(let error):
        expect(false, "the healthy process's receive failed: \(error)")
    }
    return 0
}

@main
enum Fuzz: FuzzMain {}
