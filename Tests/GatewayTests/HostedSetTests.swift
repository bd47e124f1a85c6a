#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import TestHarness
import Testing
@testable import XousIPC
import SystemSupport

/// The three processes under our hosted-mode kernel, over a real mosquitto: what a user of
/// `scripts/run --hosted` sees, and what crosses the kernel's sockets.
@Suite("Hosted mode: xous-names, netserverd and gatewayd as processes of xous-kernel", .serialized)
struct HostedSetTests {
    /// The signal of each state published on `wlan/state`, in order.
    static func signals(_ observer: Observer) -> [Int] { signals(observer.recorder.snapshot) }

    /// As above, from a recorder's snapshot (inside `wait`, whose lock is held).
    static func signals(_ snapshot: EventRecorder.Snapshot) -> [Int] {
        snapshot.payloads(on: "wifi-gateway/wlan/state").compactMap { (try? JSONValue.parse($0))?["rssi_dbm"]?.intValue }
    }

    @Test("updates flow end to end; SIGKILL of netserverd is reported at once and a new one is subscribed to with nothing lost or doubled after")
    func netserverKilledMidStream() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        let set = try HostedSet(broker: broker, scenario: countingScenario(intervalMs: 40))
        #expect(observer.waitFor("wifi-gateway/bridge/state", timeout: 15) { $0["state"]?.stringValue == "online" }, "\(set.log)")
        #expect(observer.waitFor("wifi-gateway/wlan/state", count: 5, timeout: 10), "\(set.log)")
        let pid = try #require(set.netserverPID)
        let subscribedBefore = observer.payloads("wifi-gateway/bridge/subscription").count
        let killedAt = MonotonicInstant.now
        kill(pid, SIGKILL)
        // The loss: the subscription is reported down at once (the kernel answers the
        // gateway's parked watch when the net server's process ends).
        #expect(observer.waitFor("wifi-gateway/bridge/subscription", count: subscribedBefore + 1, timeout: 2), "\(set.log)")
        let noticed = Double(MonotonicInstant.now.nanoseconds(since: killedAt)) / 1e9
        #expect(noticed < 1.5, "the loss took \(noticed) s to show")
        #expect(observer.payloads("wifi-gateway/bridge/subscription").last?.contains("unsubscribed") == true)
        // The kernel restarts netserverd; the gateway subscribes again and the new source's
        // states (from -100 again) arrive up to the last one.
        #expect(observer.waitFor("wifi-gateway/bridge/subscription", count: subscribedBefore + 2, timeout: 10), "\(set.log)")
        #expect(observer.payloads("wifi-gateway/bridge/subscription").last?.contains("\"subscribed\"") == true)
        #expect(observer.recorder.wait(timeout: 15) { Self.signals($0).last == -1 }, "\(set.log)")
        let all = Self.signals(observer)
        // The new net server's run: from the last -100 on, every step once, in order.
        let restart = try #require(all.lastIndex(of: -100))
        let after = Array(all[restart...])
        let firstSeen = try #require(after.first)
        #expect(after == Array(firstSeen...(-1)), "after the restart: \(after)")
        #expect(after.count > 50)
    }

    @Test("SIGKILL of the kernel: gatewayd publishes offline and exits non-zero within 2 s")
    func kernelKilled() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        let set = try HostedSet(broker: broker, scenario: countingScenario(intervalMs: 100))
        #expect(observer.waitFor("wifi-gateway/wlan/state", count: 2, timeout: 15), "\(set.log)")
        let killedAt = MonotonicInstant.now
        set.killKernel()
        #expect(observer.waitFor("wifi-gateway/bridge/state", timeout: 2) { $0["state"]?.stringValue == "offline" }, "\(set.log)")
        #expect(eventually(timeout: 2.5) { set.gatewayStatus != nil })
        let exited = Double(MonotonicInstant.now.nanoseconds(since: killedAt)) / 1e9
        #expect(exited <= 2.0, "gatewayd took \(exited) s to exit")
        #expect((set.gatewayStatus ?? 0) != 0)
        #expect(set.log.contains("The connection to the Xous kernel ended"))
    }

    /// Reads the XOUS_* variables a placeholder process wrote.
    static func environment(_ path: String) throws -> HostedEnvironment {
        _ = eventually(timeout: 5) { readTextFile(path).contains("XOUS_PROCESS_KEY") }
        return try HostedEnvironment(environment: readAssignments(path))
    }

    /// Connects with `key` and returns the socket once the PID byte came back (nil if refused).
    static func handshake(_ environment: HostedEnvironment, key: [UInt8]? = nil) throws -> (fd: Int32, accepted: Bool) {
        let fd = try TCPSocket.connect(to: environment.server)
        TCPSocket.setReceiveTimeout(fd, milliseconds: 3_000)
        _ = (key ?? environment.key).withUnsafeBytes { TCPSocket.write(fd, $0) }
        return (fd, TCPSocket.read(fd, count: 1) == [environment.pid])
    }

    /// True when the kernel closes `fd` (a read sees the end) within 3 s; answers on the way are skipped.
    static func closedByKernel(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = MonotonicInstant.now.adding(milliseconds: 3_000)
        while MonotonicInstant.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 && errno != EINTR { return errno != EAGAIN && errno != EWOULDBLOCK }
        }
        return false
    }

    static func send(_ fd: Int32, _ frames: [HostedFrame], payload: [UInt8] = []) {
        let bytes = frames.flatMap(\.bytes) + payload
        _ = bytes.withUnsafeBytes { TCPSocket.write(fd, $0) }
    }

    @Test("hostile peers (a wrong or reused key, a garbage frame, a length past the limit, a thread id it was never given, silent connections) lose only their own connection")
    func hostilePeers() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        let placeholders = (1...4).map { "env | grep ^XOUS_ > \(broker.directory)/hostile\($0).env; exec sleep 120" }
        let set = try HostedSet(broker: broker, scenario: countingScenario(intervalMs: 50), extra: placeholders)
        #expect(observer.waitFor("wifi-gateway/wlan/state", count: 2, timeout: 15), "\(set.log)")
        let hostile = try (1...4).map { try Self.environment("\(broker.directory)/hostile\($0).env") }

        // Silent connections that never send a key: the real kernel handshakes one at a time
        // and would stall every later process behind them.
        let silent = try (0..<20).map { _ in try TCPSocket.connect(to: set.address) }
        defer { for fd in silent { close(fd) } }

        // A key nobody has.
        let (stranger, strangerAccepted) = try Self.handshake(hostile[0], key: Array(repeating: 0x5a, count: 16))
        #expect(!strangerAccepted)
        close(stranger)
        // A process's key, then the same key again while the first connection holds it.
        let (first, firstAccepted) = try Self.handshake(hostile[0])
        #expect(firstAccepted)
        let (second, secondAccepted) = try Self.handshake(hostile[0])
        #expect(!secondAccepted)
        close(second)
        // A memory message announcing a terabyte of payload.
        Self.send(first, [HostedFrame(tid: 65_536, syscall: .createThread)])
        _ = TCPSocket.read(first, count: HostedFrame.size)
        Self.send(first, [HostedFrame(tid: 2, syscall: .sendMessage, [2, 3, 1, 0x10000, 1 << 40, 0, 0])])
        #expect(Self.closedByKernel(first))
        close(first)

        // A thread id the process was never given.
        let (wrongTID, accepted2) = try Self.handshake(hostile[1])
        #expect(accepted2)
        Self.send(wrongTID, [HostedFrame(tid: 7, syscall: .getProcessID)])
        #expect(Self.closedByKernel(wrongTID))
        close(wrongTID)

        // Garbage: random bytes in place of frames, a flood of them.
        let (garbage, accepted3) = try Self.handshake(hostile[2])
        #expect(accepted3)
        var generator = SplitMix64(seed: 16)
        let noise = (0..<(HostedFrame.size * 2000)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        _ = noise.withUnsafeBytes { TCPSocket.write(garbage, $0) }
        #expect(Self.closedByKernel(garbage))
        close(garbage)

        // TerminateProcess and Shutdown, which abort the real kernel, end only their sender.
        let (terminating, accepted4) = try Self.handshake(hostile[3])
        #expect(accepted4)
        Self.send(terminating, [HostedFrame(tid: 65_536, syscall: .createThread)])
        _ = TCPSocket.read(terminating, count: HostedFrame.size)
        Self.send(terminating, [HostedFrame(tid: 2, syscall: .terminateProcess, [1])])
        #expect(Self.closedByKernel(terminating))
        close(terminating)

        // Everyone else carries on: updates still flow, and a new netserverd (a new handshake,
        // behind twenty silent connections) is subscribed to again.
        let seen = Self.signals(observer).count
        #expect(observer.recorder.wait(timeout: 5) { Self.signals($0).count > seen + 3 }, "\(set.log)")
        let subscriptions = observer.payloads("wifi-gateway/bridge/subscription").count
        kill(try #require(set.netserverPID), SIGKILL)
        #expect(observer.waitFor("wifi-gateway/bridge/subscription", count: subscriptions + 2, timeout: 10), "\(set.log)")
        #expect(set.kernelPID != nil)
        #expect(set.log.contains("presented a key no waiting process has"))
    }

    @Test("on the wire: gatewayd's main-server SID never reaches netserverd's socket; its bouncer's SID does")
    func sidNeverOnTheNetServersWire() throws {
        let hold = ProcessWide.hold()
        defer { hold.release() }
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        let netWire = try RecordingProxy()
        let gatewayWire = try RecordingProxy()
        defer {
            netWire.stop()
            gatewayWire.stop()
        }
        let set = try HostedSet(
            broker: broker, scenario: countingScenario(intervalMs: 20, last: -50),
            netserverPrefix: "XOUS_SERVER=127.0.0.1:\(netWire.port) ", gatewayPrefix: "XOUS_SERVER=127.0.0.1:\(gatewayWire.port) "
        ) { address in
            netWire.relay(to: address)
            gatewayWire.relay(to: address)
        }
        #expect(observer.recorder.wait(timeout: 15) { Self.signals($0).last == -50 }, "\(set.log)")
        // Unsubscribe and subscribe again over the control topic: a second bouncer.
        try observer.publish("wifi-gateway/control", #"{"command":"unsubscribe"}"#)
        #expect(observer.waitFor("wifi-gateway/bridge/subscription", timeout: 5) { $0["state"]?.stringValue == "unsubscribed" })
        try observer.publish("wifi-gateway/control", #"{"command":"subscribe"}"#)
        pause(0.5)

        let gateway = gatewayWire.recorded
        let created = pairRequestsAndAnswers(toKernel: gateway.toKernel, fromKernel: gateway.fromKernel)
            .filter { $0.request.first == SyscallNumber.createServer.rawValue && $0.answer.first == ResultTag.newServerID.rawValue }
            .compactMap { SID(frameWords: $0.answer.words[1...4]) }
        try #require(created.count >= 2, "gatewayd created \(created.count) servers")
        let main = created[0]
        let net = netWire.recorded
        #expect(net.toKernel.count > 10_000 && net.fromKernel.count > 1_000)
        #expect(!contains(net.toKernel, sid: main) && !contains(net.fromKernel, sid: main))
        #expect(created.dropFirst().contains { contains(net.toKernel, sid: $0) || contains(net.fromKernel, sid: $0) },
                "no bouncer SID of gatewayd's reached netserverd")
        // And the capture is real: gatewayd's own socket carries its main SID.
        #expect(contains(gateway.fromKernel, sid: main))
    }
}
