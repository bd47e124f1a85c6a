import NetServer
import Testing
import XousIPC

@Suite("A NetManager whose net server went away", .serialized)
struct NetManagerRestartTests {
    @Test("the check fails with ServerNotFound even after a new net server registered, and a new manager subscribes to it")
    func checkNoticesRestart() throws {
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

    @Test("subscribing through a manager whose net server went away fails, and does not subscribe the bouncer to itself")
    func subscribeAfterLossFails() throws {
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
