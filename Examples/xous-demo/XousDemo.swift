// xous-demo: the Wi-Fi push path end to end, printed.
//
// A kernel, the net server fed by the simulated Wi-Fi source, and a "gateway" process whose
// main server subscribes through a bouncer and prints every update that reaches it. It stands
// in for gatewayd until the MQTT side exists.
//
//   swift run xous-demo [--count N] [--interval-ms MS] [--seed S] [--scenario FILE]

import ArgumentParser
import Logging
import NetServer
import SystemSupport
import XousIPC

@main
struct XousDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xous-demo",
        abstract: "Print the Wi-Fi pushes that reach a subscriber through its bouncer.")

    @Option(help: "Updates to print.")
    var count = 12

    @Option(name: .customLong("interval-ms"), help: "Milliseconds between simulated changes.")
    var intervalMs = 500

    @Option(help: "Seed of the built-in scenario.")
    var seed: UInt64 = 1

    @Option(help: "A scenario file instead of the built-in one.")
    var scenario: String?

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must not be negative") }
        guard intervalMs >= 0 else { throw ValidationError("--interval-ms must not be negative") }
    }

    func run() throws { try runDemo(self) }
}

/// The opcode the demo's main server chose for updates; any number of its own.
let wifiUpdateOpcode: UInt32 = 7

func describe(_ status: WlanStatus, seq: Int) -> String {
    var line = "#\(seq) \(status.linkState.name)"
    if let ssid = status.ssid { line += " ssid=\(ssid.name) rssi=\(ssid.rssiDBm)dBm" }
    if status.ipv4.dhcp == .bound {
        line += " ip=\(status.ipv4.addr) gw=\(status.ipv4.gateway) mask=\(status.ipv4.mask) mac=\(status.ipv4.mac)"
    } else {
        line += " dhcp=\(status.ipv4.dhcp.name)"
    }
    return line
}

func runDemo(_ options: XousDemo) throws {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
    let scenario = try options.scenario.map { path in
        try WifiScenario.load(path: path, defaultIntervalMs: options.intervalMs)
    } ?? WifiScenario.default(seed: options.seed, intervalMs: options.intervalMs)

    let kernel = Kernel()
    defer { kernel.shutdown() }
    let net = try NetService(kernel: kernel, source: SimulatedWifiSource(scenario: scenario))
    defer { net.stop() }

    let gateway = try kernel.createProcess(name: "gateway")
    let mainSID = try gateway.createServer()
    let mainCID = try gateway.connect(mainSID)
    let manager = try NetManager(process: gateway)
    try manager.wifiStateSubscribe(returnCID: mainCID, opcode: wifiUpdateOpcode)
    print("subscribed through a bouncer; printing \(options.count) updates")

    var seq = 0
    while seq < options.count {
        let envelope = try gateway.receive(mainSID)
        guard envelope.id == MessageID(wifiUpdateOpcode) else { continue }
        seq += 1
        do {
            print(describe(WlanStatus(try envelope.decode(WlanStatusIpc.self)), seq: seq))
        } catch {
            print("#\(seq) undecodable update: \(error)")
        }
    }
    // Unsubscribing from this thread is safe only because it is not serving an update now;
    // pending lends are answered by the loop below.
    let drain = try OSThread(name: "demo-drain") {
        while let envelope = try? gateway.receive(mainSID) { _ = envelope }
    }
    try manager.wifiStateUnsubscribe()
    try gateway.destroyServer(mainSID)
    drain.join()
    print("unsubscribed; bouncer forwarded \(manager.bouncerStatistics.forwardedUpdates), ignored \(manager.bouncerStatistics.ignoredMessages)")
}
