#if canImport(Glibc)
import Glibc
#endif
import Gateway
import Logging
import MQTT
import NetServer
import TestHarness
import XousIPC
import SystemSupport

/// gatewayd's parts in this process: a kernel, a net server on a `ManualWifiSource` and the
/// gateway served on a thread of its own, talking to a real mosquitto through libmosquitto.
/// In process, a test can count the kernel's servers and connection slots and stop and start
/// the net server under the gateway.
class InProcessGateway: @unchecked Sendable {
    let kernel = Kernel()
    let broker: MosquittoBroker
    let gateway: GatewayServer
    private(set) var source = ManualWifiSource()
    private(set) var net: NetService?
    private let logger: Logger
    private var runner: OSThread?

    /// Starts the net server and the gateway on `broker`; `logLevel` quietens a test that
    /// makes the gateway log thousands of refusals.
    init(
        broker: MosquittoBroker, configuration: GatewayConfiguration, logLevel: Logger.Level = .info,
        protocolVersion: MQTTProtocolVersion = .v311
    ) throws {
        self.broker = broker
        var logger = Logger(label: "gatewayd")
        logger.logLevel = logLevel
        self.logger = logger
        var mqtt = MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: "gw-in-process-\(getpid())")
        mqtt.reconnectDelayMax = 1
        mqtt.protocolVersion = protocolVersion
        mqtt.will = GatewayServer.will(for: configuration)
        gateway = try GatewayServer(
            kernel: kernel, configuration: configuration,
            mqtt: try MQTTClient(configuration: mqtt, logger: logger), logger: logger)
        try startNet()
        let gateway = self.gateway
        runner = try OSThread(name: "test-gateway") { try? gateway.run() }
    }

    /// Starts a net server on a fresh source.
    func startNet() throws {
        source = ManualWifiSource()
        net = try NetService(kernel: kernel, source: source, logger: logger)
    }

    func stopNet() {
        net?.stop()
        net = nil
    }

    /// Ends the net server's process as its dying would (Xous's process termination), then
    /// reclaims the threads the model runs it on.
    func killNet() {
        net?.process.terminate()
        stopNet()
    }

    var status: GatewayStatus { gateway.status }

    /// Shuts the gateway down (which must not wait for a missing net server) and joins it.
    /// Idempotent.
    func shutdown() {
        gateway.requestShutdown()
        runner.take()?.join()
        stopNet()
        kernel.shutdown()
    }
}
