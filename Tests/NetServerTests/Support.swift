#if canImport(Glibc)
import Glibc
#endif
import Logging
import NetServer
import Synchronization
import Testing
import XousIPC
import SystemSupport

/// A kernel with a net server fed by a manual source: the world most tests run in.
final class NetWorld: @unchecked Sendable {
    let kernel = Kernel()
    let source = ManualWifiSource()
    let net: NetService

    init(netName: String = serverNameNet) throws {
        net = try NetService(kernel: kernel, source: source, name: netName)
    }

    func shutdown() {
        net.stop()
        kernel.shutdown()
    }

    /// A client that subscribes by hand, without a NetManager or a bouncer: the net server's
    /// updates land on its one-time server, which only the test reads.
    func rawSubscriber() throws -> (client: XousProcess, oneTime: SID) {
        let client = try kernel.createProcess(name: "raw")
        let net = try client.requestConnectionBlocking(serverNameNet)
        let oneTime = try client.createServer()
        try client.move(net, id: NetOpcode.subscribeWifiStats.rawValue,
                        Buffer(encoding: WifiStateSubscription(sid: oneTime, opcode: 0)))
        return (client, oneTime)
    }
}

/// A client process with its own main server, as the gateway will be: a thread receives on the
/// main server and records every Wi-Fi update that reaches it.
final class Subscriber: @unchecked Sendable {
    static let opcode: UInt32 = 0x42

    let process: XousProcess
    let mainSID: SID
    let mainCID: CID
    let manager: NetManager
    private let lock = ConditionLock()
    private var received: [WlanStatusIpc] = []
    private var otherMessages = 0
    private var thread: OSThread?

    /// - Parameter serving: false to leave the main server without a receiver (a stuck client).
    init(kernel: Kernel, name: String = "gateway", serving: Bool = true) throws {
        process = try kernel.createProcess(name: name)
        mainSID = try process.createServer()
        mainCID = try process.connect(mainSID)
        manager = try NetManager(process: process)
        if serving {
            thread = try OSThread(name: "test-main") { [self] in serve() }
        }
    }

    private func serve() {
        while let envelope = try? process.receive(mainSID) {
            let update = envelope.id == MessageID(Subscriber.opcode) && envelope.kind == .borrow
                ? try? envelope.decode(WlanStatusIpc.self) : nil
            lock.withLock {
                if let update { received.append(update) } else { otherMessages += 1 }
                lock.broadcast()
            }
        }
    }

    func subscribe() throws {
        try manager.wifiStateSubscribe(returnCID: mainCID, opcode: Subscriber.opcode)
    }

    var updates: [WlanStatusIpc] { lock.withLock { received } }
    var unexpected: Int { lock.withLock { otherMessages } }

    /// Waits until `count` updates arrived or `seconds` passed; true if they arrived.
    @discardableResult
    func waitFor(_ count: Int, seconds: UInt64 = 10) -> Bool {
        let deadline = MonotonicInstant.now.adding(milliseconds: seconds * 1000)
        return lock.withLock {
            while received.count < count {
                if !lock.wait(until: deadline) { return received.count >= count }
            }
            return true
        }
    }

    /// Unsubscribes and destroys the main server, which ends the receiving thread.
    func close() throws {
        try manager.wifiStateUnsubscribe()
        try? process.destroyServer(mainSID)
        thread.take()?.join()
    }
}

/// A distinct, valid status for step `index` of a test sequence.
func testStatus(_ index: Int) -> WlanStatus {
    let links: [LinkState] = [.disconnected, .connecting, .connected]
    let link = links[index % links.count]
    var ipv4 = Ipv4Conf.default
    if link == .connected {
        ipv4.dhcp = .bound
        ipv4.addr = IPv4Address(10, 0, UInt8(index / 250 % 250), UInt8(index % 250 + 1))
        ipv4.gateway = IPv4Address(10, 0, 0, 1)
        ipv4.mask = IPv4Address(255, 255, 0, 0)
    }
    let ssid = link == .disconnected ? nil : try? SsidRecord(name: "net-\(index)", rssi: UInt8(30 + index % 60))
    return WlanStatus(ssid: ssid, linkState: link, ipv4: ipv4)
}

/// Sleeps the calling thread.
func sleepMilliseconds(_ milliseconds: UInt32) { usleep(milliseconds * 1000) }

/// Waits (polling, in a test only) until `condition` holds or `seconds` pass.
func eventually(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(seconds * 1000))
    while !condition() {
        if MonotonicInstant.now > deadline { return false }
        usleep(2000)
    }
    return true
}
