import MQTT
import XousIPC

/// Turns libmosquitto's callbacks into messages to the gateway's main server.
///
/// Callbacks run on the MQTT network thread, which must never touch gateway state; it only
/// sends. A send blocks while the main server's queue is full, which slows a flood of control
/// messages down at the broker instead of growing memory here.
final class MQTTBridge: MQTTClientDelegate, @unchecked Sendable {
    private let process: XousProcess
    private let mainCID: CID
    private let generation: UInt

    init(process: XousProcess, mainCID: CID, generation: UInt) {
        self.process = process
        self.mainCID = mainCID
        self.generation = generation
    }

    func mqttDidConnect(_ client: MQTTClient) {
        _ = try? process.send(mainCID, .scalar(ScalarMessage(id: GatewayOpcode.mqttConnected.rawValue, generation)))
    }

    func mqttDidDisconnect(_ client: MQTTClient, reason: String) {
        try? process.move(mainCID, id: GatewayOpcode.mqttDisconnected.rawValue, Buffer(encoding: TextMessage(reason)))
    }

    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8]) {
        mqttDidReceive(client, topic: topic, payload: payload, delivery: MQTTDelivery())
    }

    func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8], delivery: MQTTDelivery) {
        let message = InboundMQTTMessage(
            topic: topic, payload: payload, retained: delivery.retained,
            responseTopic: delivery.responseTopic, correlationData: delivery.correlationData)
        try? process.move(mainCID, id: GatewayOpcode.mqttMessage.rawValue, Buffer(encoding: message))
    }
}
