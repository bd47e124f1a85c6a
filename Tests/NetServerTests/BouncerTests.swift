import NetServer
import Synchronization
import enum TestHarness.ProcessWide
import Testing
import XousIPC
import SystemSupport

@Suite("The bouncer accepts only Update and Drop")
struct BouncerTests {
    @Test("anything else from a peer holding the bouncer's SID is ignored and counted, and real updates still pass")
    func hostilePeerIsIgnored() throws {
        try ProcessWide.isolated {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let source = ManualWifiSource()
            let net = try NetService(kernel: kernel, source: source, name: NetServerSpy.realName)
            defer { net.stop() }
            let spy = try NetServerSpy(kernel: kernel)
            defer { spy.stop() }
            let subscriber = try Subscriber(kernel: kernel)
            let threads = OSThread.liveThreadCount()
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
            garbage.used = WlanStatusIpc.archivedLayout.size
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
            #expect(eventually { OSThread.liveThreadCount() == threads })
            try subscriber.close()
        }
    }
}

/// A subscriber behind its bouncer, and a hostile peer holding the bouncer's SID, as the net
/// server (or anyone it passed the SID to) would.
private struct HostileSetup {
    let kernel = Kernel()
    let source = ManualWifiSource()
    let net: NetService
    let spy: NetServerSpy
    let subscriber: Subscriber
    let hostile: XousProcess
    let bouncer: CID

    init() throws {
        net = try NetService(kernel: kernel, source: source, name: NetServerSpy.realName)
        spy = try NetServerSpy(kernel: kernel)
        subscriber = try Subscriber(kernel: kernel)
        try subscriber.subscribe()
        guard subscriber.waitFor(1) else { throw XousError.timeout }
        hostile = try kernel.createProcess(name: "hostile")
        guard let sid = spy.subscribedSIDs.first else { throw XousError.serverNotFound }
        bouncer = try hostile.tryConnect(sid)
    }

    var statistics: BouncerStatistics { subscriber.manager.bouncerStatistics }

    /// Genuine updates through the net server: each must arrive, in order, after what came before.
    func genuineUpdatesPass(_ range: Range<Int>) -> Bool {
        let before = subscriber.updates.count
        for index in range { source.emit(testStatus(index)) }
        guard subscriber.waitFor(before + range.count) else { return false }
        return Array(subscriber.updates.suffix(range.count)) == range.map { WlanStatusIpc(testStatus($0)) }
    }

    func shutdown() {
        try? subscriber.close()
        spy.stop()
        net.stop()
        kernel.shutdown()
    }
}

@Suite("The bouncer against a hostile peer, case by case", .serialized)
struct HostileBouncerTests {
    @Test("each kind of hostile message is refused and counted under its own reason")
    func everyKindCounted() throws {
        let setup = try HostileSetup()
        defer { setup.shutdown() }
        let hostile = setup.hostile, bouncer = setup.bouncer
        let valid = WlanStatusIpc(testStatus(5))
        let update = WifiStateCallback.update.rawValue, drop = WifiStateCallback.drop.rawValue

        // Unknown opcodes, of every kind; blocking ones are answered 0, so nobody stays parked.
        try hostile.send(bouncer, .scalar(ScalarMessage(id: 5, 1, 2, 3, 4)))
        #expect(try hostile.send(bouncer, .blockingScalar(ScalarMessage(id: 7))) == .scalar1(0))
        try hostile.move(bouncer, id: 0x1234, Buffer(encoding: valid))
        try hostile.lend(bouncer, id: 9, Buffer(encoding: valid))
        var scratch = Buffer(encoding: valid)
        try hostile.lendMutable(bouncer, id: 0x7fff, &scratch)
        try hostile.send(bouncer, .scalar(ScalarMessage(id: MessageID.max)))
        #expect(eventually { setup.statistics[.unknownOpcode] == 6 })

        // Update and Drop as the wrong kind: scalars instead of memory, borrows instead of a move.
        try hostile.send(bouncer, .scalar(ScalarMessage(id: update)))
        #expect(try hostile.send(bouncer, .blockingScalar(ScalarMessage(id: update))) == .scalar1(0))
        try hostile.lend(bouncer, id: update, Buffer(encoding: valid))
        var mutable = Buffer(encoding: valid)
        try hostile.lendMutable(bouncer, id: update, &mutable)
        #expect(try mutable.decode(WlanStatusIpc.self) == valid, "the bouncer wrote into a borrowed buffer")
        try hostile.send(bouncer, .scalar(ScalarMessage(id: drop)))
        try hostile.move(bouncer, id: drop, Buffer(encoding: valid))
        try hostile.lend(bouncer, id: drop, Buffer(encoding: valid))
        #expect(eventually { setup.statistics[.wrongKind] == 7 })

        // Updates whose buffer is not a WlanStatusIpc.
        try hostile.move(bouncer, id: update, Buffer())  // empty
        var truncated = Buffer(encoding: valid)
        truncated.used -= 1
        try hostile.move(bouncer, id: update, truncated)
        var oversized = Buffer(encoding: valid)
        oversized.used += 1
        try hostile.move(bouncer, id: update, oversized)
        var beyond = Buffer(encoding: valid)
        beyond.used = Buffer.pageSize + 1
        try hostile.move(bouncer, id: update, beyond)
        var negative = Buffer(encoding: valid)
        negative.used = -1
        try hostile.move(bouncer, id: update, negative)
        // Four pages whose last 48 bytes hold no valid Option tag (four zeroed pages would be
        // an archive of the default state, which is well-formed).
        var huge = Buffer(byteCount: 4 * Buffer.pageSize)
        huge.withUnsafeMutableBytes { for index in 0..<$0.count { $0[index] = 0xA5 } }
        huge.used = 4 * Buffer.pageSize
        try hostile.move(bouncer, id: update, huge)
        var garbage = Buffer()
        garbage.withUnsafeMutableBytes { for index in 0..<$0.count { $0[index] = 0xA5 } }
        garbage.used = WlanStatusIpc.archivedLayout.size
        try hostile.move(bouncer, id: update, garbage)
        #expect(eventually { setup.statistics[.malformedUpdate] == 7 })

        // Drop from a stranger: refused (answered 0, not 1), and the bouncer serves on.
        #expect(try hostile.send(bouncer, .blockingScalar(ScalarMessage(id: drop))) == .scalar1(0))
        #expect(setup.statistics[.strangerDrop] == 1)

        #expect(setup.statistics.ignoredMessages == 6 + 7 + 7 + 1)
        #expect(setup.statistics.forwardedUpdates == 1)
        #expect(setup.genuineUpdatesPass(0..<50))
        #expect(setup.subscriber.unexpected == 0)
        #expect(setup.subscriber.manager.isSubscribed)
        // Our own Drop still ends it, and then the SID is dead for the peer too.
        try setup.subscriber.manager.wifiStateUnsubscribe()
        #expect(throws: XousError.serverNotFound) { try hostile.send(bouncer, .scalar(ScalarMessage(id: 5))) }
    }

    @Test("4,000 random buffers (seeded): each well-formed one is passed on in order, every other one counted")
    func randomBuffers() throws {
        let setup = try HostileSetup()
        defer { setup.shutdown() }
        var random = SplitMix64(seed: 0x5eed_b0c3)
        var expected: [WlanStatusIpc] = []
        var malformed = 0
        for round in 0..<4000 {
            var buffer = Buffer(byteCount: random.next(in: 1...2) * Buffer.pageSize)
            let valid = WlanStatusIpc(testStatus(round)).encoded()
            buffer.withUnsafeMutableBytes { pages in
                switch round % 4 {
                case 0:
                    // Noise of any length, up to past the pages.
                    for index in 0..<min(pages.count, 200) { pages[index] = random.nextByte() }
                case 1:
                    // A valid update with a few bytes changed: some still decode.
                    for (index, byte) in valid.enumerated() { pages[index] = byte }
                    for _ in 0..<random.next(in: 1...3) { pages[random.next(in: 0...valid.count - 1)] = random.nextByte() }
                default:
                    for (index, byte) in valid.enumerated() { pages[index] = byte }
                }
            }
            switch round % 4 {
            case 0: buffer.used = random.next(in: -2...buffer.capacity + 2)
            case 2: buffer.used = valid.count + random.next(in: -valid.count...valid.count)
            default: buffer.used = valid.count
            }
            if let decoded = try? buffer.decode(WlanStatusIpc.self) { expected.append(decoded) } else { malformed += 1 }
            try setup.hostile.move(setup.bouncer, id: WifiStateCallback.update.rawValue, buffer)
        }
        // Both kinds occur, or the property says little.
        #expect(malformed > 1000 && expected.count > 1000, "\(malformed) malformed, \(expected.count) well-formed")
        #expect(setup.subscriber.waitFor(1 + expected.count))
        #expect(Array(setup.subscriber.updates.dropFirst()) == expected)
        #expect(eventually { setup.statistics[.malformedUpdate] == malformed })
        #expect(setup.statistics.ignoredMessages == malformed)
        #expect(setup.genuineUpdatesPass(0..<20))
    }

    @Test("a flood from the hostile peer while genuine updates flow: every genuine one arrives, in order")
    func floodDuringUpdates() throws {
        let setup = try HostileSetup()
        defer { setup.shutdown() }
        let hostile = setup.hostile, bouncer = setup.bouncer
        let stop = Atomic<Bool>(false)
        let sent = Atomic<Int>(0)
        // Two flooders that wait for room (so the queue stays full), mixing kinds.
        let flooders = ThreadGroup()
        for seed in 1...2 {
            try flooders.spawn("flood-\(seed)") {
                var random = SplitMix64(seed: UInt64(seed))
                while !stop.load(ordering: .relaxed) {
                    let delivered: Bool
                    switch random.next(in: 0...3) {
                    case 0: delivered = (try? hostile.send(bouncer, .scalar(ScalarMessage(id: 99)))) != nil
                    case 1: delivered = (try? hostile.send(bouncer, .blockingScalar(ScalarMessage(id: WifiStateCallback.drop.rawValue)))) != nil
                    case 2: delivered = (try? hostile.move(bouncer, id: WifiStateCallback.update.rawValue, Buffer())) != nil
                    default: delivered = (try? hostile.send(bouncer, .scalar(ScalarMessage(id: WifiStateCallback.update.rawValue)))) != nil
                    }
                    if delivered { sent.wrappingAdd(1, ordering: .relaxed) }
                }
            }
        }
        #expect(eventually { sent.load(ordering: .relaxed) > 1000 })
        let genuine = 0..<1000
        for index in genuine {
            setup.source.emit(testStatus(index))
            if index % 100 == 99 { sleepMilliseconds(5) }
        }
        let arrived = setup.subscriber.waitFor(1 + genuine.count, seconds: 30)
        stop.store(true, ordering: .relaxed)
        flooders.joinAll()

        #expect(arrived)
        #expect(Array(setup.subscriber.updates.dropFirst()) == genuine.map { WlanStatusIpc(testStatus($0)) })
        #expect(setup.net.statistics[.outboxOverflow] == 0)
        #expect(setup.net.statistics[.pushFailed] == 0)
        #expect(eventually { setup.statistics.ignoredMessages == sent.load(ordering: .relaxed) })
        #expect(setup.statistics.forwardedUpdates == 1 + genuine.count)
        #expect(setup.statistics[.strangerDrop] > 0)
        #expect(setup.subscriber.unexpected == 0)
        // And once the flood is over, updates flow as before.
        #expect(setup.genuineUpdatesPass(1000..<1010))
    }
}
