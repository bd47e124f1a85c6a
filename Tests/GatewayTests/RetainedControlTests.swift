import Gateway
import TestJSON
import MQTT
import TestHarness
import Testing

/// A command left retained on the control topic (`mosquitto_pub -r`, a retaining switch) is
/// never executed: not at start, not on a reconnect; a live one still is.
@Suite("the control topic: retained messages are never commands")
struct RetainedControlTests {
    @Test("a retained unsubscribe on the control topic is ignored at start and after a reconnect; a live one works")
    func retainedCommandIgnored() throws {
        let broker = try MosquittoBroker()
        let observer = try Observer(broker: broker)
        // Somebody published unsubscribe with -r before gatewayd started.
        try observer.client.publish(MQTTMessage(topic: "wifi-gateway/control", string: "unsubscribe", qos: 1, retain: true))
        pause(0.2)
        let gateway = try InProcessGateway(broker: broker, configuration: GatewayConfiguration())
        defer { gateway.shutdown() }
        #expect(observer.waitFor("wifi-gateway/bridge/subscription", timeout: 10) { $0["state"]?.stringValue == "subscribed" })
        #expect(eventually(timeout: 5) { gateway.status.retainedControlIgnored == 1 })
        pause(0.3)
        #expect(gateway.status.subscribed)
        #expect(observer.payloads("wifi-gateway/control/response").isEmpty, "a retained message got a response")
        #expect(gateway.status.controlOK + gateway.status.controlErrors == 0)

        // A reconnect delivers the retained message again: still not a command. (A client with
        // the gateway's client id takes its session over; the gateway connects again.)
        let reconnects = gateway.status.mqttReconnects
        do {
            let usurper = try Observer(broker: broker, name: "gw-in-process", subscribeTo: "nothing/here")
            pause(0.2)
            usurper.client.stop()
        }
        #expect(eventually(timeout: 15) {
            gateway.status.mqttReconnects > reconnects && gateway.status.retainedControlIgnored == 2 && gateway.status.mqttConnected
        }, "reconnects \(gateway.status.mqttReconnects), ignored \(gateway.status.retainedControlIgnored)")
        pause(0.3)
        #expect(gateway.status.subscribed)

        // The same command published now (without retain) is one.
        try observer.publish("wifi-gateway/control", "unsubscribe")
        #expect(eventually(timeout: 5) { !gateway.status.subscribed })
        #expect(gateway.status.controlOK == 1)
    }
}
