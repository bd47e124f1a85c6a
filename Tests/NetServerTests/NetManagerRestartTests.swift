import NetServer
import enum TestHarness.ProcessWide
import Testing
import XousIPC
import SystemSupport

@Suite("A NetManager whose net server went away", .serialized)
struct NetManagerRestartTests {
    @Test("the check fails with ServerNotFound even after a new net server registered, and a new manager subscribes to it")
    func checkNoticesRestart() throws {
        try ProcessWide.isolated {
            let world = try NetWorld()
            defer { world.shutdown() }
            let subscriber = try Subscriber(kernel: world.kernel)
            defer { try? subscriber.close() }
            let servers = world.kernel.serverCount
            let slots = subscriber.process.connectionCount
            try subscriber.subscribe()
            #expect(subscriber.waitFor(1))
            try subscriber.manager.checkNetServer()
            #expect(!subscriber.manager.netServerLost)

            world.net.stop()
            // The new one registers under the same name before the subscriber looks.
            let source = ManualWifiSource()
            let net = try NetService(kernel: world.kernel, source: source)
            defer { net.stop() }
            #expect(throws: XousError.serverNotFound) { try subscriber.manager.checkNetServer() }
            #expect(subscriber.manager.netServerLost)
            // Nothing more goes out on the dead connection, whose CID the kernel may hand out again.
            #expect(throws: XousError.serverNotFound) { try subscriber.manager.getIpv4Config() }
            #expect(throws: XousError.serverNotFound) { try subscriber.manager.wifiStateUnsubscribe() }
            #expect(!subscriber.manager.isSubscribed)
            #expect(eventually { subscriptionThreadCount() == 0 })
            // The old bouncer and the old net server's two servers are gone; the new net server's two came.
            #expect(world.kernel.serverCount == servers)
            #expect(throws: XousError.serverNotFound) { try subscriber.subscribe() }

            let fresh = try NetManager(process: subscriber.process)
            try fresh.wifiStateSubscribe(returnCID: subscriber.mainCID, opcode: Subscriber.opcode)
            source.emit(testStatus(4))
            #expect(subscriber.waitFor(3))
            #expect(subscriber.updates.last == WlanStatusIpc(testStatus(4)))
            #expect(net.statistics.subscribers == 1)
            try fresh.wifiStateUnsubscribe()
            #expect(subscriber.process.connectionCount == slots)
        }
    }

    @Test("subscribing through a manager whose net server went away fails, and does not subscribe the bouncer to itself")
    func subscribeAfterLossFails() throws {
        try ProcessWide.isolated {
            let world = try NetWorld()
            defer { world.shutdown() }
            let subscriber = try Subscriber(kernel: world.kernel)
            defer { try? subscriber.close() }
            try subscriber.subscribe()
            #expect(subscriber.waitFor(1))
            try subscriber.manager.wifiStateUnsubscribe()
            let servers = world.kernel.serverCount
            let slots = subscriber.process.connectionCount

            world.net.stop()
            // The net server's slot is now the lowest free one: the bouncer's server would get its
            // CID, and the subscription would go to the bouncer itself.
            #expect(throws: XousError.serverNotFound) { try subscriber.subscribe() }
            #expect(subscriber.manager.netServerLost)
            #expect(!subscriber.manager.isSubscribed)
            #expect(world.kernel.serverCount == servers - 2)
            #expect(subscriber.process.connectionCount == slots - 1)
            #expect(eventually { subscriptionThreadCount() == 0 })
        }
    }
}

@Suite("A NetManager whose net server's process is terminated", .serialized)
struct NetServerTerminationTests {
    @Test("the manager notices at once (its watch is answered ServerNotFound), frees the tombstone, and a new manager subscribes to the next net server")
    func terminationIsNoticedAtOnce() throws {
        try ProcessWide.isolated {
            let world = try NetWorld()
            defer { world.shutdown() }
            let subscriber = try Subscriber(kernel: world.kernel)
            defer { try? subscriber.close() }
            let slots = subscriber.process.connectionCount
            let threads = subscriptionThreadCount()
            let lossOpcode: MessageID = 0x77
            let manager = try NetManager(process: subscriber.process, lossNotification: (subscriber.mainCID, lossOpcode))
            try manager.wifiStateSubscribe(returnCID: subscriber.mainCID, opcode: Subscriber.opcode)
            #expect(subscriber.waitFor(1))
            #expect(eventually { world.net.statistics.subscribers == 1 })
            #expect(subscriber.unexpected == 0)

            let killed = MonotonicInstant.now
            world.net.process.terminate()
            // The Scalar reaches the owner's main server at once, with no call of the owner's.
            #expect(eventually(seconds: 2) { subscriber.unexpected == 1 })
            print("net server terminated: noticed after \(MonotonicInstant.now.nanoseconds(since: killed) / 1_000) µs")
            #expect(manager.netServerLost)
            #expect(throws: XousError.serverNotFound) { try manager.checkNetServer() }
            #expect(throws: XousError.serverNotFound) { try manager.wifiStateUnsubscribe() }
            // The bouncer is down, and the tombstone of the net server's connection (shared by both
            // managers of the process) was disconnected: only that slot is gone.
            #expect(eventually { subscriptionThreadCount() == threads })
            #expect(subscriber.process.connectionCount == slots - 1)
            world.net.stop()

            let source = ManualWifiSource()
            let net = try NetService(kernel: world.kernel, source: source)
            defer { net.stop() }
            let fresh = try NetManager(process: subscriber.process)
            try fresh.wifiStateSubscribe(returnCID: subscriber.mainCID, opcode: Subscriber.opcode)
            #expect(source.emit(testStatus(7)))
            #expect(subscriber.waitFor(3))
            #expect(subscriber.updates.last == WlanStatusIpc(testStatus(7)))
            try fresh.wifiStateUnsubscribe()
        }
    }

    @Test("an unsubscribe answers the watch, so no watching thread is left behind; a clean stop is noticed too")
    func watchEndsWithTheSubscription() throws {
        try ProcessWide.isolated {
            let world = try NetWorld()
            defer { world.shutdown() }
            let subscriber = try Subscriber(kernel: world.kernel)
            defer { try? subscriber.close() }
            let manager = try NetManager(process: subscriber.process, lossNotification: (subscriber.mainCID, 0x77))
            let threads = subscriptionThreadCount()
            for _ in 0..<50 {
                try manager.wifiStateSubscribe(returnCID: subscriber.mainCID, opcode: Subscriber.opcode)
                try manager.wifiStateUnsubscribe()
            }
            #expect(subscriptionThreadCount() == threads)
            #expect(subscriber.unexpected == 0)
            #expect(!manager.netServerLost)

            try manager.wifiStateSubscribe(returnCID: subscriber.mainCID, opcode: Subscriber.opcode)
            world.net.stop()
            #expect(eventually(seconds: 2) { subscriber.unexpected == 1 })
            #expect(manager.netServerLost)
        }
    }
}
