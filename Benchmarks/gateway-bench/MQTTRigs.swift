#if canImport(Glibc)
import Glibc
#endif
import Gateway
import Logging
import MQTT
import NetServer
import XousIPC
import SystemSupport

/// Why a part of the benchmark could not run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every millisecond until it holds or `seconds` pass.
func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = nowNanoseconds() + UInt64(seconds * 1e9)
    while !condition() {
        if nowNanoseconds() > deadline { return false }
        usleep(1000)
    }
    return true
}

/// The status the benchmark emits as update `seq`: connected, with RSSI and address that
/// differ from the previous update's, so every emit is a change, and `seq` in the SSID so that
/// an IPC receiver can tell which update it holds.
func benchStatus(_ seq: Int) -> WlanStatus {
    var ipv4 = Ipv4Conf.default
    ipv4.dhcp = .bound
    ipv4.addr = IPv4Address(10, UInt8(seq >> 16 & 0xff), UInt8(seq >> 8 & 0xff), UInt8(seq & 0xff))
    ipv4.gateway = IPv4Address(10, 0, 0, 1)
    ipv4.mask = IPv4Address(255, 0, 0, 0)
    let ssid = try? SsidRecord(name: "b\(seq)", rssi: UInt8(30 + seq % 60))
    return WlanStatus(ssid: ssid, linkState: .connected, ipv4: ipv4)
}

/// The sequence number in an SSID made by `benchStatus`.
func benchSequence(_ ssid: SsidRecord?) -> Int? {
    guard let name = ssid?.name, name.hasPrefix("b") else { return nil }
    return Int(name.dropFirst())
}

/// The value of the first `"seq":` in a JSON payload, read without parsing the whole document.
func payloadSequence(_ payload: [UInt8]) -> Int? {
    let key: [UInt8] = Array(#""seq":"#.utf8)
    guard payload.count > key.count else { return nil }
    var index = 0
    while index + key.count < payload.count {
        if payload[index] == key[0], payload[index..<index + key.count].elementsEqual(key) {
            var value = 0
            var digit = index + key.count
            guard digit < payload.count, payload[digit] >= 0x30, payload[digit] <= 0x39 else { return nil }
            while digit < payload.count, payload[digit] >= 0x30, payload[digit] <= 0x39 {
                value = value * 10 + Int(payload[digit] - 0x30)
                digit += 1
            }
            return value
        }
        index += 1
    }
    return nil
}

/// An independent MQTT client subscribed to one topic, logging when each numbered update
/// arrives. The log and the offset between payload `seq` and run-relative numbers change per run.
final class SequenceSubscriber: MQTTClientDelegate, @unchecked Sendable {
    let client: MQTTClient
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var log = ArrivalLog(capacity: 0)
    private var offset = 0
    private var connected = false
    private var unnumbered = 0
    private var last = 0

    /// Connects to the broker on `port` and subscribes to `topic` with `qos`.
    init(port: Int, clientID: String, topic: String, qos: Int, logger: Logger) throws {
        client = try MQTTClient(configuration: MQTTConfiguration(host: "127.0.0.1", port: port, clientID: clientID), logger: logger)
        client.setDelegate(self)
        client.subscribe(topic, qos: qos)
        try client.start()
        guard waitUntil(seconds: 10, { lock.withLock { connected } }) else {
            throw BenchError("subscriber \(clientID) did not connect to 127.0.0.1:\(port)")
        }
    }

    /// Logs the following arrivals into `log`, numbering payload `seq` as `seq - offset`.
    func route(to log: ArrivalLog, offset: Int) {
        lock.withLock {
            self.log = log
            self.offset = offset
        }
    }

    /// The `seq` of the latest numbered message, as in its payload (0 before any).
    var lastSequence: Int { lock.withLock { last } }

    /// Messages that arrived without a `seq`.
    var unnumberedMessages: Int { lock.withLock { unnumbered } }

    func mqttDidConnect(_ client: MQTTClient) { lock.withLock { connected = true } }
    func mqttDidDisconnect(_ client: MQTTClient, reason: String) { lock.withLock { connected = false } }

    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8]) {
        let (log, offset) = lock.withLock { (self.log, self.offset) }
        guard let seq = payloadSequence(payload) else {
            lock.withLock { unnumbered += 1 }
            return
        }
        lock.withLock { last = seq }
        log.record(seq - offset)
    }

    func stop() { client.stop(timeout: 1) }
}

/// What a rig under test does: sends update `seq` of the current run.
protocol UpdateSender: AnyObject {
    /// Makes the rig's next run start at `seq` 1, routing `subscriber`'s arrivals to `log`,
    /// and waits until the path is warm (one update went all the way through).
    func prepareRun(subscriber: SequenceSubscriber, log: ArrivalLog) throws
    /// Sends update `seq` of the current run.
    func send(_ seq: Int)
}

/// gatewayd in-process: a kernel with the net server fed by a manual source, and the gateway
/// server publishing through its own MQTT client.
final class GatewayRig: UpdateSender {
    let kernel = Kernel()
    let source = ManualWifiSource()
    let net: NetService
    let gateway: GatewayServer
    let mqtt: MQTTClient
    private var thread: OSThread?
    private var warmups = 0
    /// Updates the gateway dropped before the first run (the state pushed on subscription may
    /// arrive before MQTT is connected, and the gateway does not publish while offline).
    private(set) var droppedBeforeRuns = 0

    init(port: Int, baseTopic: String, logger: Logger) throws {
        net = try NetService(kernel: kernel, source: source, logger: logger)
        let configuration = GatewayConfiguration(baseTopic: baseTopic, deviceID: "bench")
        var mqttConfiguration = MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "bench-gateway")
        mqttConfiguration.will = GatewayServer.will(for: configuration)
        mqtt = try MQTTClient(configuration: mqttConfiguration, logger: logger)
        gateway = try GatewayServer(kernel: kernel, configuration: configuration, mqtt: mqtt, logger: logger)
        let gateway = self.gateway
        // run() blocks until requestShutdown, as in gatewayd's main thread.
        thread = try OSThread(name: "bench-gateway") {
            do { try gateway.run() } catch { print("gateway-bench: gateway run failed: \(error)") }
        }
        guard waitUntil(seconds: 10, { gateway.status.mqttConnected && gateway.status.subscribed }) else {
            throw BenchError("the in-process gateway did not connect and subscribe within 10 s")
        }
        // Let the push that follows the subscription pass, so it is not counted in a run.
        sleep(seconds: 0.2)
        droppedBeforeRuns = gateway.status.updatesDropped
    }

    func prepareRun(subscriber: SequenceSubscriber, log: ArrivalLog) throws {
        // A warm-up update whose seq becomes the run's offset: the gateway numbers updates
        // since its start, and the net server may have pushed one on subscription.
        // The offset is the warm-up's own seq as it arrived, not the gateway's counter: the
        // status is updated after the publish, so reading it as the warm-up arrives could be
        // one behind and shift the whole run by one (seen once in a million-update soak).
        warmups += 1
        let before = subscriber.lastSequence
        subscriber.route(to: ArrivalLog(capacity: 0), offset: 0)
        source.emit(benchStatus(1_000_000 + warmups))
        guard waitUntil(seconds: 5, {
            let seen = subscriber.lastSequence
            return seen > before && seen == gateway.status.updatesReceived
        }) else {
            throw BenchError("the gateway's warm-up update did not reach the subscriber")
        }
        subscriber.route(to: log, offset: subscriber.lastSequence)
    }

    func send(_ seq: Int) { source.emit(benchStatus(seq)) }

    func shutdown() {
        gateway.requestShutdown()
        thread.take()?.join()
        net.stop()
        kernel.shutdown()
    }
}

/// The baseline: a plain libmosquitto publisher (our `MQTTClient`) publishing a payload of the
/// gateway's size straight to the broker, with the same QoS and retain flag.
final class BaselineRig: UpdateSender {
    let client: MQTTClient
    let topic: String
    let qos: Int
    private let padding: String
    private(set) var publishErrors = 0

    /// - Parameter payloadSize: the size of the gateway's payload, which this one matches.
    init(port: Int, clientID: String, topic: String, qos: Int, payloadSize: Int, logger: Logger) throws {
        client = try MQTTClient(configuration: MQTTConfiguration(host: "127.0.0.1", port: port, clientID: clientID), logger: logger)
        self.topic = topic
        self.qos = qos
        // {"seq":NNNNN,"pad":"…"}: 5 digits is the typical seq width of a run.
        let frame = #"{"seq":12345,"pad":""}"#.utf8.count
        padding = String(repeating: "x", count: max(0, payloadSize - frame))
        try client.start()
        guard waitUntil(seconds: 10, { client.isConnected }) else {
            throw BenchError("baseline publisher did not connect")
        }
    }

    func prepareRun(subscriber: SequenceSubscriber, log: ArrivalLog) throws {
        let warmupLog = ArrivalLog(capacity: 1)
        subscriber.route(to: warmupLog, offset: -1)
        send(0)
        guard warmupLog.wait(for: 1, idleSeconds: 5) else {
            throw BenchError("the baseline's warm-up message did not reach the subscriber")
        }
        subscriber.route(to: log, offset: 0)
    }

    func send(_ seq: Int) {
        let payload = #"{"seq":"# + String(seq) + #","pad":""# + padding + #""}"#
        do {
            try client.publish(MQTTMessage(topic: topic, string: payload, qos: qos, retain: true))
        } catch {
            publishErrors += 1
        }
    }

    func stop() { client.stop(timeout: 1) }
}

/// The size of the gateway's `<base>/wlan/state` payload for a typical update.
func gatewayPayloadSize() -> Int {
    WlanStatePayload.bytes(benchStatus(12345), seq: 12345, receivedAt: .now).count
}
