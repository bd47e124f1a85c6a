import Logging
import MQTT
import TestHarness
import XousIPC
#if canImport(Glibc)
import Glibc
#endif
import SystemSupport

/// Seconds `body` took.
func measure(_ body: () -> Void) -> Double {
    let start = MonotonicInstant.now
    body()
    return Double(MonotonicInstant.now.nanoseconds(since: start)) / 1e9
}

/// A logger that prints only when MQTT_TEST_LOG is set (to a level such as `trace`).
func testLogger(_ label: String) -> Logger {
    guard let level = getenv("MQTT_TEST_LOG").flatMap({ Logger.Level(rawValue: String(cString: $0)) }) else {
        return Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
    }
    var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = level
    return logger
}

/// A client id unique within this test run.
func uniqueClientID(_ prefix: String) -> String {
    "\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
}

/// A fresh topic prefix, so that retained messages of one test never reach another.
func uniqueTopic(_ name: String) -> String {
    "test/\(name)/\(UInt32.random(in: 0...UInt32.max))"
}

/// A started client on 127.0.0.1:`port` with fast reconnects, and its recorder.
func startClient(
    port: Int, name: String, configure: (inout MQTTConfiguration) -> Void = { _ in }
) throws -> (MQTTClient, EventRecorder) {
    var configuration = MQTTConfiguration(host: "127.0.0.1", port: port, clientID: uniqueClientID(name))
    configuration.reconnectDelayInitial = 0.05
    configuration.reconnectDelayMax = 0.2
    configure(&configuration)
    let client = try MQTTClient(configuration: configuration, logger: testLogger(name))
    let recorder = EventRecorder()
    client.setDelegate(recorder)
    try client.start()
    return (client, recorder)
}

