import Logging
import NetServer
import Testing
import XousIPC
import SystemSupport

@Suite("The subscriber's own SID never reaches the net server")
struct DisclosureTests {
    @Test("every byte the net server receives in subscribe, updates and unsubscribe is free of the main server's SID")
    func netServerNeverSeesMainServerSID() throws {
        let kernel = Kernel()
        defer { kernel.shutdown() }
        let source = ManualWifiSource()
        let net = try NetService(
            kernel: kernel, source: source, name: NetServerSpy.realName,
            logger: CapturingLogHandler.logger("disclosure.net"))
        defer { net.stop() }
        let spy = try NetServerSpy(kernel: kernel)
        defer { spy.stop() }

        let process = try kernel.createProcess(name: "gateway")
        let mainSID = try process.createServer()
        let mainCID = try process.connect(mainSID)
        let manager = try NetManager(process: process, logger: CapturingLogHandler.logger("disclosure.client"))
        let collector = try OSThread(name: "main") {
            while let envelope = try? process.receive(mainSID) { _ = envelope }
        }
        try manager.wifiStateSubscribe(returnCID: mainCID, opcode: 3)
        #expect(eventually { net.statistics.subscribers == 1 })
        for index in 0..<50 { source.emit(testStatus(index)) }
        #expect(eventually { manager.bouncerStatistics.forwardedUpdates == 51 })
        _ = try manager.getIpv4Config()
        try manager.wifiStateUnsubscribe()
        try process.destroyServer(mainSID)
        collector.join()

        let messages = spy.messages
        let mainWords = mainSID.wordArray
        #expect(!containsAnyWord(mainWords, in: messages))

        // The spy does see capabilities when they are sent: the one-time SID is in the
        // subscription and in the unsubscribe, so the check above could have failed.
        let oneTime = try #require(spy.subscribedSIDs.first)
        #expect(oneTime != mainSID)
        #expect(containsAnyWord(oneTime.wordArray, in: messages))
        let unsubscribe = try #require(messages.first { $0.id == NetOpcode.unsubWifiStats.rawValue })
        #expect(unsubscribe.kind == .blockingScalar)
        #expect(unsubscribe.args.map { UInt32(truncatingIfNeeded: $0) } == oneTime.wordArray)
        #expect(messages.contains { $0.id == NetOpcode.subscribeWifiStats.rawValue && $0.kind == .move })

        // Nor do the logs of either side print any SID, at any level.
        let lines = CapturingLogHandler.lines("disclosure.net") + CapturingLogHandler.lines("disclosure.client")
        let forms = printedForms(of: mainWords + oneTime.wordArray)
        for line in lines {
            #expect(!forms.contains { line.contains($0) }, "log line shows a SID word: \(line)")
        }
    }

    @Test("the subscription's printed form hides the one-time SID")
    func subscriptionDescriptionIsRedacted() {
        let sid = SID.random()
        let subscription = WifiStateSubscription(sid: sid, opcode: 9)
        let printed = "\(subscription) \(String(reflecting: subscription))"
        for form in printedForms(of: sid.wordArray) { #expect(!printed.contains(form)) }
        #expect(printed.contains("SID(redacted)"))
    }
}
