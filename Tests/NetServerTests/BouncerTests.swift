import NetServer
import Testing
import XousIPC

@Suite("The bouncer accepts only Update and Drop")
struct BouncerTests {
    @Test("anything else from a peer holding the bouncer's SID is ignored and counted, and real updates still pass")
    func hostilePeerIsIgnored() throws {
        let kernel = Kernel()
        defer { kernel.shutdown() }
        let source = ManualWifiSource()
        let net = try NetService(kernel: kernel, source: source, name: NetServerSpy.realName)
        defer { net.stop() }
        let spy = try NetServerSpy(kernel: kernel)
        defer { spy.stop() }
        let subscriber = try Subscriber(kernel: kernel)
        let threads = XousThread.liveThreadCount()
        try subscriber.subscribe()
        #expect(subscriber.waitFor(1))

        // The hostile peer holds exactly what the net server holds: the one-time SID.
        let hostile = try kernel.createProcess(name: "hostile")
        let bouncer = try hostile.tryConnect(try #require(spy.subscribedSIDs.first))
        let valid = WlanStatusIpc(testStatus(5))
        var ignored = 0

        try hostile.send(bouncer, .scalar(ScalarMessage(id: 5, 1, 2, 3, 4)))
        ignored += 1
        // Blocking messages are answered, so the peer cannot pin a queue slot.
        #expect(try hostile.send(bouncer, .blockingScalar(ScalarMessage(id: 7))) == .scalar1(0))
        ignored += 1
        try hostile.send(bouncer, .scalar(ScalarMessage(id: WifiStateCallback.update.rawValue)))
        ignored += 1
        #expect(try hostile.send(bouncer, .blockingScalar(ScalarMessage(id: WifiStateCallback.update.rawValue))) == .scalar1(0))
        ignored += 1
        var garbage = Buffer()
        garbage.withUnsafeMutableBytes { for index in 0..<$0.count { $0[index] = 0xA5 } }
        garbage.used = WlanStatusIpc.encodedSize
        try hostile.move(bouncer, id: WifiStateCallback.update.rawValue, garbage)
        ignored += 1
        var truncated = Buffer(encoding: valid)
        truncated.used -= 1
        try hostile.move(bouncer, id: WifiStateCallback.update.rawValue, truncated)
        ignored += 1
        var oversized = Buffer(encoding: valid)
        oversized.used += 1
        try hostile.move(bouncer, id: WifiStateCallback.update.rawValue, oversized)
        ignored += 1
        var beyond = Buffer(encoding: valid)
        beyond.used = Buffer.pageSize + 1
        try hostile.move(bouncer, id: WifiStateCallback.update.rawValue, beyond)
        ignored += 1
        try hostile.move(bouncer, id: 0x1234, Buffer(encoding: valid))
        ignored += 1
        try hostile.lend(bouncer, id: WifiStateCallback.update.rawValue, Buffer(encoding: valid))
        ignored += 1
        var mutable = Buffer()
        try hostile.lendMutable(bouncer, id: WifiStateCallback.drop.rawValue, &mutable)
        ignored += 1
        try hostile.send(bouncer, .scalar(ScalarMessage(id: WifiStateCallback.drop.rawValue)))
        ignored += 1
        // A flood of junk: whatever fits in the queue is ignored too.
        var flooded = 0
        for _ in 0..<500 {
            if (try? hostile.trySend(bouncer, .scalar(ScalarMessage(id: 99)))) != nil { flooded += 1 }
        }
        ignored += flooded

        let sequence = (0..<100).map(testStatus)
        for status in sequence { source.emit(status) }
        #expect(subscriber.waitFor(1 + sequence.count))
        #expect(Array(subscriber.updates.dropFirst()) == sequence.map(WlanStatusIpc.init))
        #expect(eventually { subscriber.manager.bouncerStatistics.ignoredMessages == ignored })
        #expect(subscriber.unexpected == 0)
        #expect(subscriber.manager.isSubscribed)

        // And unsubscribing still works: no unanswered message pins the bouncer's server.
        try subscriber.manager.wifiStateUnsubscribe()
        #expect(throws: XousError.serverNotFound) {
            try hostile.send(bouncer, .scalar(ScalarMessage(id: 5)))
        }
        #expect(eventually { XousThread.liveThreadCount() == threads })
        try subscriber.close()
    }
}
