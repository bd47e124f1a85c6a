#if canImport(Glibc)
import Glibc
#endif
import TestHarness
import Testing
@testable import XousIPC
import SystemSupport

/// Our `xous-kernel` run as a child process with the hosted-mode set (xous-names, netserverd,
/// gatewayd) as its children, as `scripts/run --hosted` runs it; everything in the broker's
/// temporary directory.
final class HostedSet: @unchecked Sendable {
    let broker: MosquittoBroker
    let directory: String
    let kernelLog: String
    private let kernel: ChildProcess
    /// The kernel's `XOUS_SERVER`, read from its first line.
    let address: String

    /// The set's shell commands; `extra` are more processes after gatewayd.
    /// - Parameters:
    ///   - netserverPrefix / gatewayPrefix: put before `exec` (e.g. `XOUS_SERVER=… `, through a proxy).
    init(
        broker: MosquittoBroker, scenario: String, extra: [String] = [], netserverPrefix: String = "",
        gatewayPrefix: String = "", beforeStart: (String) throws -> Void = { _ in }
    ) throws {
        self.broker = broker
        directory = broker.directory
        kernelLog = directory + "/kernel.log"
        let scenarioPath = try broker.writeFile("hosted.scenario", contents: scenario)
        let names = GatewayProcess.binary("xous-names")
        let net = GatewayProcess.binary("netserverd")
        let gateway = GatewayProcess.binary("gatewayd")
        for binary in [names, net, gateway, GatewayProcess.binary("xous-kernel")] {
            guard access(binary, X_OK) == 0 else {
                throw MosquittoBroker.Failure(description: "\(binary) not built; run `swift build` first")
            }
        }
        let commands = [
            "exec \(names)",
            "echo $$ > \(directory)/netserverd.pid; \(netserverPrefix)exec \(net) --scenario \(scenarioPath) --log-level debug",
            // sh waits for gatewayd and keeps its exit status for the test.
            "\(gatewayPrefix)\(gateway) --mqtt-server mqtt://127.0.0.1:\(broker.port) --device-id testdev "
                + "--control-socket \(directory)/run/gatewayd.sock --log-level debug; echo $? > \(directory)/gatewayd.status",
        ] + extra
        kernel = ChildProcess(pid: try MosquittoBroker.spawn(
            [GatewayProcess.binary("xous-kernel"), "--restart", "--restart-delay-ms", "200"] + commands, output: kernelLog))
        let logPath = kernelLog
        _ = eventually(timeout: 5) { textAfter("listening on ", inFile: logPath) != nil }
        guard let found = textAfter("listening on ", inFile: logPath) else {
            throw MosquittoBroker.Failure(description: "xous-kernel did not start:\n\(readTextFile(logPath))")
        }
        address = found
        try beforeStart(found)
    }

    deinit {
        kernel.kill(SIGTERM)
        if kernel.waitForExit(timeout: 5) == nil { kernel.kill(SIGKILL) }
    }

    /// The kernel's own OS process.
    var kernelPID: pid_t? { kernel.pid }

    func killKernel() { kernel.kill(SIGKILL) }

    /// The running netserverd's OS process id.
    var netserverPID: pid_t? {
        pid_t(readTextFile(directory + "/netserverd.pid").filter(\.isNumber))
    }

    /// gatewayd's exit status once it has exited.
    var gatewayStatus: Int32? {
        let text = readTextFile(directory + "/gatewayd.status").filter(\.isNumber)
        return text.isEmpty ? nil : Int32(text)
    }

    /// The kernel's and its children's output.
    var log: String { readTextFile(kernelLog) }
}

/// A scenario whose every step is told apart by its signal: -100 dBm up to `last`, one step
/// every `intervalMs`, no repeat.
func countingScenario(intervalMs: Int, last: Int = -1) -> String {
    var lines = ["link=connected ssid=\"Counting\" rssi=-100 dhcp=bound mac=02:00:5e:10:00:01 address=192.168.1.23 gateway=192.168.1.1 netmask=255.255.255.0 dns1=192.168.1.1 dns2=0.0.0.0 delay_ms=\(intervalMs)"]
    for rssi in -99...last { lines.append("rssi=\(rssi) delay_ms=\(intervalMs)") }
    return lines.joined(separator: "\n")
}

/// A TCP relay between hosted processes and the kernel that keeps every byte of each
/// direction, for looking at what really crossed the wire.
final class RecordingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = ConditionLock()
    private var target: String?
    private var toKernel: [UInt8] = []
    private var fromKernel: [UInt8] = []
    private let threads = ThreadGroup()

    init() throws {
        let (fd, bound) = try TCPSocket.listen(on: "127.0.0.1:0")
        listener = fd
        port = Int(TCPSocket.split(bound)!.port)
        let listener = self.listener
        try threads.spawn("proxy-accept") { [self] in
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let kernelAddress = lock.withLock { () -> String in
                while target == nil { lock.wait() }
                return target!
            }
            guard let upstream = try? TCPSocket.connect(to: kernelAddress) else { close(client); return }
            try? threads.spawn("proxy-up") { [self] in relay(from: client, to: upstream, up: true) }
            relay(from: upstream, to: client, up: false)
        }
    }

    /// Where to relay to (known once the kernel has printed its address).
    func relay(to address: String) { lock.withLock { target = address; lock.broadcast() } }

    private func relay(from source: Int32, to sink: Int32, up: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            lock.withLock {
                if up { toKernel += buffer[0..<count] } else { fromKernel += buffer[0..<count] }
            }
            guard buffer.withUnsafeBytes({ TCPSocket.write(sink, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }) else { break }
        }
        shutdown(sink, Int32(SHUT_WR))
    }

    /// Both directions so far.
    var recorded: (toKernel: [UInt8], fromKernel: [UInt8]) { lock.withLock { (toKernel, fromKernel) } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// A hosted-mode conversation taken apart: each request of the process paired with the
/// answer the kernel gave it (one answer per request, in order per thread id).
func pairRequestsAndAnswers(toKernel: [UInt8], fromKernel: [UInt8]) -> [(request: HostedFrame, answer: HostedFrame)] {
    func frame(_ bytes: [UInt8], at offset: Int) -> HostedFrame? {
        guard offset + HostedFrame.size <= bytes.count else { return nil }
        return bytes[offset..<offset + HostedFrame.size].withUnsafeBytes { try? HostedFrame(bytes: $0) }
    }
    // Skip the 16-byte key and the PID byte.
    var requests: [UInt: [HostedFrame]] = [:]
    var offset = 16
    while let request = frame(toKernel, at: offset) {
        requests[request.tid, default: []].append(request)
        offset += HostedFrame.size + Int(request.requestPayloadLength)
    }
    var pairs: [(HostedFrame, HostedFrame)] = []
    offset = 1
    while let answer = frame(fromKernel, at: offset) {
        guard let request = requests[answer.tid]?.first else { break }
        requests[answer.tid]!.removeFirst()
        offset += HostedFrame.size
        let kind = request[argument: 2]
        if answer.first == ResultTag.messageEnvelope.rawValue, answer[argument: 2] <= 2 {
            offset += Int(answer[argument: 5])
        } else if answer.first == ResultTag.memoryReturned.rawValue, (1...2).contains(kind) {
            offset += Int(request[argument: 5])
        }
        pairs.append((request, answer))
    }
    return pairs
}

/// Whether `sid` occurs in `bytes` in either of the forms it travels in: four zero-extended
/// frame words, or sixteen packed bytes inside a message.
func contains(_ bytes: [UInt8], sid: SID) -> Bool {
    let words = sid.wordArray
    let packed = words.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
    let framed = words.flatMap { withUnsafeBytes(of: UInt64($0).littleEndian, Array.init) }
    for needle in [packed, framed] where bytes.count >= needle.count {
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if Array(bytes[start..<start + needle.count]) == needle { return true }
        }
    }
    return false
}
