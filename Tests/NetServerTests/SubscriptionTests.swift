import NetServer
import enum TestHarness.ProcessWide
import Testing
import XousIPC
import SystemSupport

@Suite("Subscribing to Wi-Fi state through a bouncer")
struct SubscriptionTests {
    @Test("a new subscriber first gets the current state, then every change in order")
    func deliversInitialStateThenEveryUpdateInOrder() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let first = testStatus(2)
        world.source.emit(first)
        #expect(eventually { world.net.currentStatus == first })

        let subscriber = try Subscriber(kernel: world.kernel)
        try subscriber.subscribe()
        #expect(subscriber.waitFor(1))
        #expect(subscriber.updates.first == WlanStatusIpc(first))

        let sequence = (10..<210).map(testStatus)
        for status in sequence { world.source.emit(status) }
        #expect(subscriber.waitFor(1 + sequence.count))
        #expect(subscriber.updates == ([first] + sequence).map(WlanStatusIpc.init))
        #expect(subscriber.unexpected == 0)
        // The bouncer counts an update once its lend returns, just after the receiver has it.
        #expect(eventually { subscriber.manager.bouncerStatistics.forwardedUpdates == 1 + sequence.count })
        try subscriber.close()
    }

    @Test("the net server's table starts at Unknown: a subscriber before any change sees the default")
    func subscriberBeforeAnyChangeSeesDefault() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let subscriber = try Subscriber(kernel: world.kernel)
        try subscriber.subscribe()
        #expect(subscriber.waitFor(1))
        #expect(subscriber.updates == [WlanStatusIpc.default])
        #expect(WlanStatus(subscriber.updates[0]).linkState == .unknown)
        try subscriber.close()
    }

    @Test("a second subscribe on the same manager is ServerExists and changes nothing")
    func secondSubscribeIsServerExists() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let subscriber = try Subscriber(kernel: world.kernel)
        try subscriber.subscribe()
        let servers = world.kernel.serverCount
        #expect(throws: XousError.serverExists) { try subscriber.subscribe() }
        #expect(world.kernel.serverCount == servers)
        #expect(eventually { world.net.statistics.subscribers == 1 })
        try subscriber.close()
    }

    @Test("unsubscribing removes the subscriber, destroys the bouncer and stops deliveries")
    func unsubscribeStopsDeliveries() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let subscriber = try Subscriber(kernel: world.kernel)
        let serversBefore = world.kernel.serverCount
        let slotsBefore = subscriber.process.connectionCount
        try subscriber.subscribe()
        #expect(world.kernel.serverCount == serversBefore + 1)
        world.source.emit(testStatus(1))
        #expect(subscriber.waitFor(2))

        try subscriber.manager.wifiStateUnsubscribe()
        #expect(!subscriber.manager.isSubscribed)
        // The net server acknowledges before it removes (Xous's order), so this lags a little.
        #expect(eventually { world.net.statistics.subscribers == 0 })
        #expect(world.net.statistics[.unsubscribed] == 1)
        #expect(world.kernel.serverCount == serversBefore)
        #expect(subscriber.process.connectionCount == slotsBefore)

        world.source.emit(testStatus(2))
        #expect(eventually { world.net.statistics[.stateChanged] == 2 })
        sleepMilliseconds(50)
        #expect(subscriber.updates.count == 2)
        // Unsubscribing again is a no-op, as on Xous.
        try subscriber.manager.wifiStateUnsubscribe()
        try subscriber.close()
    }

    @Test("a manager can subscribe again after unsubscribing")
    func resubscribeAfterUnsubscribe() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let subscriber = try Subscriber(kernel: world.kernel)
        try subscriber.subscribe()
        #expect(subscriber.waitFor(1))
        try subscriber.manager.wifiStateUnsubscribe()
        try subscriber.subscribe()
        world.source.emit(testStatus(4))
        #expect(subscriber.waitFor(3))
        #expect(subscriber.updates.last == WlanStatusIpc(testStatus(4)))
        try subscriber.close()
    }

    @Test("releasing the manager unsubscribes")
    func releasingManagerUnsubscribes() throws {
        try ProcessWide.isolated {
            let world = try NetWorld()
            defer { world.shutdown() }
            let process = try world.kernel.createProcess(name: "client")
            let mainSID = try process.createServer()
            let mainCID = try process.connect(mainSID)
            // A process keeps its name-server connection for life; open it before counting.
            #expect(throws: XousError.serverNotFound) { try process.requestConnection("no such server") }
            let serversBefore = world.kernel.serverCount
            let slotsBefore = process.connectionCount
            let threadsBefore = OSThread.liveThreadCount()
            do {
                let manager = try NetManager(process: process)
                try manager.wifiStateSubscribe(returnCID: mainCID, opcode: 1)
                #expect(eventually { world.net.statistics.subscribers == 1 })
                // The initial state is waiting in the main server's queue; answer it so the
                // bouncer is free to take the Drop.
                let initial = try process.receive(mainSID)
                #expect(initial.id == 1)
            }
            #expect(eventually { world.net.statistics.subscribers == 0 })
            #expect(world.kernel.serverCount == serversBefore)
            #expect(process.connectionCount == slotsBefore)
            #expect(eventually { OSThread.liveThreadCount() == threadsBefore })
        }
    }

    @Test("many subscribers each receive every update, in order")
    func manySubscribersEachReceiveEverything() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let subscribers = try (0..<25).map { try Subscriber(kernel: world.kernel, name: "client-\($0)") }
        for subscriber in subscribers { try subscriber.subscribe() }
        #expect(eventually { world.net.statistics.subscribers == subscribers.count })
        let sequence = (0..<300).map(testStatus)
        for status in sequence { world.source.emit(status) }
        for subscriber in subscribers {
            #expect(subscriber.waitFor(1 + sequence.count))
            // Each may have subscribed before or after the first emit reached the cache, so
            // the initial state is the default; every update follows in order.
            #expect(Array(subscriber.updates.dropFirst()) == sequence.map(WlanStatusIpc.init))
        }
        for subscriber in subscribers { try subscriber.close() }
        #expect(eventually { world.net.statistics.subscribers == 0 })
    }

    @Test("a subscriber that never reads does not stall the others")
    func stuckSubscriberDoesNotStallOthers() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let stuck = try Subscriber(kernel: world.kernel, name: "stuck", serving: false)
        try stuck.subscribe()
        let healthy = try Subscriber(kernel: world.kernel, name: "healthy")
        try healthy.subscribe()
        #expect(eventually { world.net.statistics.subscribers == 2 })
        // Far more than the stuck bouncer's 64 queue slots.
        let sequence = (0..<500).map(testStatus)
        for status in sequence { world.source.emit(status) }
        #expect(healthy.waitFor(1 + sequence.count))
        #expect(Array(healthy.updates.dropFirst()) == sequence.map(WlanStatusIpc.init))
        // Destroying the stuck client's main server frees its bouncer, which was parked lending.
        try stuck.process.destroyServer(stuck.mainSID)
        try stuck.manager.wifiStateUnsubscribe()
        try healthy.close()
        #expect(eventually { world.net.statistics.subscribers == 0 })
    }

    @Test("updates sent directly and updates that waited for a full queue arrive in one order")
    func directAndQueuedDeliveriesKeepOrder() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        // A raw subscriber that reads only when told, so its 64 queue slots fill up.
        let (client, oneTime) = try world.rawSubscriber()
        #expect(eventually { world.net.statistics.subscribers == 1 })
        func next() throws -> WlanStatusIpc { try client.receive(oneTime).decode(WlanStatusIpc.self) }
        _ = try next()  // the current state

        // 100 while nobody reads: 64 fit the queue, the rest wait in the pusher's outbox.
        let burst = (0..<100).map(testStatus)
        for status in burst { world.source.emit(status) }
        var received: [WlanStatusIpc] = []
        #expect(eventually { world.net.statistics[.pushed] == 1 + 64 })
        // One read frees a slot while 36 still wait: the next update must queue behind them,
        // not take the free slot.
        received.append(try next())
        let late = testStatus(100)
        world.source.emit(late)
        for _ in 0..<100 { received.append(try next()) }
        // Then one at a time on an empty queue, which the connection manager sends itself.
        let trickle = (101..<110).map(testStatus)
        for status in trickle {
            world.source.emit(status)
            received.append(try next())
        }
        #expect(received == (burst + [late] + trickle).map(WlanStatusIpc.init))
        #expect(world.net.statistics[.pushed] == 1 + 110)
        try client.destroyServer(oneTime)
    }

    @Test("a subscriber whose server is gone is pruned at the first failed push")
    func deadSubscriberIsPruned() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let healthy = try Subscriber(kernel: world.kernel)
        try healthy.subscribe()
        // A raw client that subscribes by hand, then dies without unsubscribing.
        let (client, oneTime) = try world.rawSubscriber()
        #expect(eventually { world.net.statistics.subscribers == 2 })
        // Take the initial update so the server can be destroyed, then go away.
        _ = try client.receive(oneTime)
        try client.destroyServer(oneTime)

        world.source.emit(testStatus(7))
        #expect(eventually { world.net.statistics[.pruned] == 1 })
        #expect(world.net.statistics.subscribers == 1)
        #expect(healthy.waitFor(2))
        #expect(healthy.updates.last == WlanStatusIpc(testStatus(7)))
        try healthy.close()
    }

    @Test("a dead subscriber whose CID is reused by a new one is replaced, not kept")
    func reusedCIDReplacesDeadSubscriber() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let (client, oneTime) = try world.rawSubscriber()
        #expect(eventually { world.net.statistics.subscribers == 1 })
        _ = try client.receive(oneTime)
        try client.destroyServer(oneTime)
        // The net process's connection slot is free again and goes to the next subscriber.
        let healthy = try Subscriber(kernel: world.kernel)
        try healthy.subscribe()
        #expect(healthy.waitFor(1))
        #expect(world.net.statistics.subscribers == 1)
        #expect(world.net.statistics[.pruned] == 1)
        world.source.emit(testStatus(3))
        #expect(healthy.waitFor(2))
        try healthy.close()
    }

    @Test("UnsubWifiStats is acknowledged with 1, also for a SID that never subscribed")
    func unsubscribeUnknownSIDIsAcked() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let client = try world.kernel.createProcess(name: "raw")
        let net = try client.requestConnectionBlocking(serverNameNet)
        let (a, b, c, d) = SID.random().words
        let reply = try client.send(
            net, .blockingScalar(ScalarMessage(
                id: NetOpcode.unsubWifiStats.rawValue, UInt(a), UInt(b), UInt(c), UInt(d))))
        #expect(reply == .scalar1(1))
    }

    @Test("malformed or wrongly typed subscription requests are refused and counted")
    func malformedSubscriptionsAreRefused() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let client = try world.kernel.createProcess(name: "raw")
        let net = try client.requestConnectionBlocking(serverNameNet)
        var garbage = Buffer()
        garbage.withUnsafeMutableBytes { bytes in
            for index in 0..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index &* 31) }
        }
        garbage.used = 20
        try client.move(net, id: NetOpcode.subscribeWifiStats.rawValue, garbage)
        var truncated = Buffer(encoding: WifiStateSubscription(sid: SID.random(), opcode: 1))
        truncated.used = 19
        try client.move(net, id: NetOpcode.subscribeWifiStats.rawValue, truncated)
        try client.send(net, .scalar(ScalarMessage(id: NetOpcode.subscribeWifiStats.rawValue, 1, 2, 3, 4)))
        // A SID with no server behind it must not stall the manager in connect().
        try client.move(net, id: NetOpcode.subscribeWifiStats.rawValue,
                        Buffer(encoding: WifiStateSubscription(sid: SID.random(), opcode: 1)))
        // An unknown opcode as a BlockingScalar is answered, so the sender is not stranded.
        let reply = try client.send(net, .blockingScalar(ScalarMessage(id: 99)))
        #expect(reply == .scalar1(0))
        #expect(eventually { world.net.statistics[.rejected] == 5 })
        #expect(world.net.statistics.subscribers == 0)

        // The server still works.
        let subscriber = try Subscriber(kernel: world.kernel)
        try subscriber.subscribe()
        #expect(subscriber.waitFor(1))
        try subscriber.close()
    }

    @Test("GetIpv4Config answers None until configured, then the last configuration the chip reported, after a disconnect too (as Xous)")
    func getIpv4Config() throws {
        let world = try NetWorld()
        defer { world.shutdown() }
        let subscriber = try Subscriber(kernel: world.kernel)
        #expect(try subscriber.manager.getIpv4Config() == nil)
        // Connecting, without DHCP: no IP config interrupt yet.
        world.source.emit(testStatus(1))
        #expect(eventually { world.net.currentStatus == testStatus(1) })
        #expect(try subscriber.manager.getIpv4Config() == nil)
        let connected = testStatus(2)
        world.source.emit(connected)
        #expect(eventually { world.net.currentStatus == connected })
        #expect(try subscriber.manager.getIpv4Config() == connected.ipv4)
        // Xous sets net_config on each IP config interrupt and never clears it.
        world.source.emit(testStatus(3))
        #expect(eventually { world.net.currentStatus == testStatus(3) })
        #expect(world.net.currentStatus.ipv4 == .default)
        #expect(try subscriber.manager.getIpv4Config() == connected.ipv4)
        let again = testStatus(5)
        world.source.emit(again)
        #expect(eventually { world.net.currentStatus == again })
        #expect(try subscriber.manager.getIpv4Config() == again.ipv4)
        try subscriber.close()
    }

    @Test("the COM interrupt bits are Xous's, and a change raises the ones Xous's EC would")
    func interruptBits() {
        #expect(ComInterruptBits.wlanRxReady == 0x0001)
        #expect(ComInterruptBits.wlanIpConfigUpdate == 0x0002)
        #expect(ComInterruptBits.wlanSsidUpdate == 0x0004)
        #expect(ComInterruptBits.batteryCritical == 0x0008)
        #expect(ComInterruptBits.wlanTxError == 0x0010)
        #expect(ComInterruptBits.wlanRxError == 0x0020)
        #expect(ComInterruptBits.wlanDisconnect == 0x0040)
        #expect(ComInterruptBits.wlanConnectEvent == 0x0080)
        #expect(ComInterruptBits.wlanSsidFinished == 0x0100)
        #expect(ComInterruptBits.wlanWfxError == 0x0200)
        #expect(ComInterruptBits.invalid == 0x8000)
        #expect(ComInterruptBits.enabledMask == 0x83CF)
        let up = testStatus(2), down = testStatus(0)
        #expect(ComInterruptBits.raised(from: .default, to: up) == ComInterruptBits.wlanConnectEvent | ComInterruptBits.wlanIpConfigUpdate)
        #expect(ComInterruptBits.raised(from: up, to: down) == ComInterruptBits.wlanDisconnect)
        var drift = up
        drift.ssid?.rssi += 3
        #expect(ComInterruptBits.raised(from: up, to: drift) == 0)
        #expect(ComInterruptBits.raised(from: up, to: testStatus(5)) == ComInterruptBits.wlanIpConfigUpdate)
    }
}
