// xous-demo: the Wi-Fi push path end to end, printed.
//
// A kernel, the net server fed by the simulated Wi-Fi source, and a "gateway" process whose
// main server subscribes through a bouncer and prints every update that reaches it. It stands
// in for gatewayd until the MQTT side exists.
//
//   swift run xous-demo [--count N] [--interval-ms MS] [--seed S] [--scenario FILE]

#if canImport(Glibc)
import Glibc
#endif
import Logging
import NetServer
import XousIPC
import SystemSupport

struct Options {
    var count = 12
    var intervalMs = 500
    var seed: UInt64 = 1
    var scenarioPath: String?

    static let usage = "usage: xous-demo [--count N] [--interval-ms MS] [--seed S] [--scenario FILE]"

    init(_ arguments: [String]) throws(DemoError) {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw .usage("\(flag) needs a value") }
            switch flag {
            case "--count": count = try Options.number(value, flag)
            case "--interval-ms": intervalMs = try Options.number(value, flag)
            case "--seed": seed = UInt64(try Options.number(value, flag))
            case "--scenario": scenarioPath = value
            default: throw .usage("unknown option \(flag)")
            }
        }
    }

    static func number(_ text: String, _ flag: String) throws(DemoError) -> Int {
        guard let value = Int(text), value >= 0 else { throw .usage("\(flag) takes a whole number, got '\(text)'") }
        return value
    }
}

enum DemoError: Error, CustomStringConvertible {
    case usage(String)
    var description: String {
        switch self {
        case .usage(let message): "\(message)\n\(Options.usage)"
        }
    }
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

func runDemo(_ options: Options) throws {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
    let scenario = try options.scenarioPath.map { path in
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

func printError(_ text: String) {
    var line = Array(text.utf8)
    line.append(UInt8(ascii: "\n"))
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

do {
    try runDemo(try Options(Array(CommandLine.arguments.dropFirst())))
} catch let error as DemoError {
    printError("\(error)")
    exit(2)
} catch {
    printError("xous-demo: \(error)")
    exit(1)
}
