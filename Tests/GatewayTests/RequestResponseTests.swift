#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import Gateway
import MQTT
import TestHarness
import Testing

/// MQTT 5's request/response on the control topic, with mosquitto's own `mosquitto_rr`: a
/// request with a Response Topic is answered there too, with its Correlation Data. Over MQTT
/// 3.1.1 nothing changes.
@Suite("the control topic: MQTT 5 request/response", .serialized)
struct RequestResponseTests {
    /// Runs mosquitto_rr against the broker; its output and exit status.
    static func request(_ broker: MosquittoBroker, _ arguments: [String], output: String) throws -> (String, Int32) {
        let pid = try MosquittoBroker.spawn(
            ["/usr/bin/mosquitto_rr", "-h", "127.0.0.1", "-p", String(broker.port)] + arguments, output: output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (readTextFile(output), (status >> 8) & 0xff)
    }

    @Test("mosquitto_rr -V 5 gets the status answer on its response topic; it still goes to control/response too")
    func mosquittoRR() throws {
        guard access("/usr/bin/mosquitto_rr", X_OK) == 0 else {
            Issue.record("mosquitto_rr is missing: apt-get install mosquitto-clients")
            return
        }
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        let gateway = try InProcessGateway(broker: broker, configuration: GatewayConfiguration(), protocolVersion: .v5)
        defer { gateway.shutdown() }
        #expect(observer.waitFor("wifi-gateway/bridge/state", timeout: 10) { $0["state"]?.stringValue == "online" })
        let (answer, status) = try Self.request(
            broker, ["-V", "5", "-t", "wifi-gateway/control", "-e", "rr-reply/1", "-m", "status", "-W", "5"],
            output: broker.directory + "/rr.out")
        #expect(status == 0, "mosquitto_rr: \(answer)")
        let document = try JSONValue.parse(String(answer.prefix { $0 != "\n" }))
        #expect(document["command"]?.stringValue == "status" && document["status"]?.stringValue == "ok", "\(answer)")
        #expect(observer.waitFor("wifi-gateway/control/response", timeout: 3) { $0["command"]?.stringValue == "status" })
        // mosquitto_rr's copy and the observer's are two deliveries: the observer's may still
        // be on its way when mosquitto_rr has exited.
        #expect(observer.waitFor("rr-reply/1", timeout: 3))
        usleep(200_000)
        #expect(observer.payloads("rr-reply/1").count == 1)
    }

    @Test("the Correlation Data of a request comes back on the answer; a bad request is answered there too")
    func correlationData() throws {
        let broker = try MosquittoBroker()
        let gateway = try InProcessGateway(broker: broker, configuration: GatewayConfiguration(), protocolVersion: .v5)
        defer { gateway.shutdown() }
        let requester = try Observer(broker: broker, name: "requester", subscribeTo: "replies/#") { $0.protocolVersion = .v5 }
        #expect(eventually(timeout: 10) { gateway.status.mqttConnected })
        pause(0.3)
        var request = MQTTMessage(topic: "wifi-gateway/control", string: "status", qos: 1, retain: false)
        request.responseTopic = "replies/a"
        request.correlationData = [0xde, 0xad, 0xbe, 0xef]
        try requester.client.publish(request)
        var bad = MQTTMessage(topic: "wifi-gateway/control", string: "{\"command\":\"dance\"}", qos: 1, retain: false)
        bad.responseTopic = "replies/b"
        bad.correlationData = Array("second".utf8)
        try requester.client.publish(bad)
        #expect(requester.recorder.wait(timeout: 5) { $0.payloads(on: "replies/a").count == 1 && $0.payloads(on: "replies/b").count == 1 })
        #expect(requester.recorder.correlation(on: "replies/a") == [0xde, 0xad, 0xbe, 0xef])
        #expect(requester.recorder.correlation(on: "replies/b") == Array("second".utf8))
        #expect(requester.payloads("replies/b").first?.contains("\"status\":\"error\"") == true)
    }

    @Test("over MQTT 3.1.1 a control answer goes to control/response only, as before")
    func mqtt311Unchanged() throws {
        let broker = try MosquittoBroker()
        let gateway = try InProcessGateway(broker: broker, configuration: GatewayConfiguration())
        defer { gateway.shutdown() }
        let observer = try Observer(broker: broker)
        #expect(eventually(timeout: 10) { gateway.status.mqttConnected })
        pause(0.3)
        try observer.publish("wifi-gateway/control", "status")
        #expect(observer.waitFor("wifi-gateway/control/response", timeout: 3))
        #expect(observer.allMessages.allSatisfy { !$0.topic.hasPrefix("rr-") && !$0.topic.hasPrefix("replies/") })
    }

    @Test("on MQTT 5 the retained health report expires after three intervals; over 3.1.1 it stays", arguments: [true, false])
    func healthExpires(v5: Bool) throws {
        let broker = try MosquittoBroker()
        var configuration = GatewayConfiguration()
        configuration.healthIntervalSeconds = 1
        do {
            let gateway = try InProcessGateway(broker: broker, configuration: configuration, protocolVersion: v5 ? .v5 : .v311)
            defer { gateway.shutdown() }
            #expect(eventually(timeout: 10) { gateway.status.mqttConnected })
            pause(0.5)
        }
        // Gone for more than three intervals: a new subscriber gets the retained state and,
        // over 3.1.1 only, the last health report.
        pause(3.5)
        let late = try Observer(broker: broker, name: "late")
        #expect(late.waitFor("wifi-gateway/bridge/state", timeout: 3) { $0["state"]?.stringValue == "offline" })
        pause(0.3)
        #expect(late.payloads("wifi-gateway/bridge/health").isEmpty == v5, "v5 \(v5): \(late.payloads("wifi-gateway/bridge/health").count) health reports")
    }
}
