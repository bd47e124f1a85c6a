import NetServer
import enum TestHarness.ProcessWide
import Testing
import XousIPC

@Suite("Subscribing and unsubscribing leaks nothing")
struct LeakTests {
    @Test("1,000 subscribe/unsubscribe cycles leave servers, connection slots and threads where they started")
    func thousandCyclesLeaveNoTrace() throws {
        try ProcessWide.isolated {
            let world = try NetWorld()
            defer { world.shutdown() }
            let subscriber = try Subscriber(kernel: world.kernel)
            world.source.emit(testStatus(2))
            #expect(eventually { world.net.currentStatus == testStatus(2) })

            let servers = world.kernel.serverCount
            let clientSlots = subscriber.process.connectionCount
            let netSlots = world.net.process.connectionCount
            // Counted by name: the whole process's thread count also moves with the test runner's
            // own worker threads, which a loaded machine adds (a run beside a build failed here).
            let subscriptionThreads = subscriptionThreadCount()

            for cycle in 1...1000 {
                try subscriber.subscribe()
                // Each cycle's initial update proves the subscription was live end to end.
                #expect(subscriber.waitFor(cycle), "cycle \(cycle) got no update")
                try subscriber.manager.wifiStateUnsubscribe()
            }

            #expect(subscriber.updates.count == 1000)
            #expect(subscriber.updates.allSatisfy { $0 == WlanStatusIpc(testStatus(2)) })
            #expect(world.kernel.serverCount == servers)
            #expect(subscriber.process.connectionCount == clientSlots)
            // The net server disconnects just after it acknowledges the last unsubscribe.
            #expect(eventually { world.net.process.connectionCount == netSlots })
            #expect(eventually { subscriptionThreadCount() == subscriptionThreads })
            #expect(world.net.statistics.subscribers == 0)
            #expect(world.net.statistics[.subscribed] == 1000)
            #expect(world.net.statistics[.unsubscribed] == 1000)
            try subscriber.close()
        }
    }
}

