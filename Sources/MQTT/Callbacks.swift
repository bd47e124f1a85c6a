#if canImport(Glibc)
import Glibc
#endif
import CMosquitto
import Logging
import SystemSupport

/// libmosquitto's callbacks. They are `@convention(c)` functions, so they capture nothing and
/// find the client through the `obj` pointer given to `mosquitto_new`: an unretained
/// `ClientCore`, kept alive by the network thread, the only thread that runs them (handles
/// never outlive one attempt of that thread). They only record and notify; they never block
/// and never call a loop-stopping function.
extension ClientCore {
    func installCallbacks(on mosq: OpaquePointer) {
        mosquitto_connect_callback_set(mosq) { mosq, context, code in
            guard let mosq, let context else { return }
            ClientCore.from(context).didReceiveConnack(mosq, code: code)
        }
        mosquitto_disconnect_callback_set(mosq) { _, context, code in
            guard let context else { return }
            ClientCore.from(context).didDisconnect(code: code)
        }
        mosquitto_publish_callback_set(mosq) { _, context, messageID in
            guard let context else { return }
            ClientCore.from(context).didCompletePublish(messageID: messageID)
        }
        // The v5 callback serves both versions (no properties over 3.1.1).
        mosquitto_message_v5_callback_set(mosq) { _, context, message, properties in
            guard let context, let message else { return }
            ClientCore.from(context).didReceive(message.pointee, properties: properties)
        }
        mosquitto_log_callback_set(mosq) { _, context, level, text in
            guard let context, let text else { return }
            ClientCore.from(context).libraryLogged(level: level, text: text)
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer) -> ClientCore {
        Unmanaged<ClientCore>.fromOpaque(context).takeUnretainedValue()
    }

    private func didReceiveConnack(_ mosq: OpaquePointer, code: Int32) {
        guard code == 0 else {
            session.refusal = refusalReason(code)
            return
        }
        session.accepted = true
        let now = MonotonicInstant.now
        let wallClock = SystemClock.epochSeconds()
        let (filters, target, attempts) = stateLock.withLock {
            status.connected = true
            status.connectedSince = now
            status.connectedSinceEpochSeconds = wallClock
            status.connects += 1
            if status.connects > 1 { status.reconnects += 1 }
            return (subscriptions, eventTarget(), status.attempts)
        }
        // Clean session: the broker forgot our subscriptions with the old connection.
        for subscription in filters {
            let code = mosquitto_subscribe(mosq, nil, subscription.filter, Int32(subscription.qos))
            if code != MosquittoLibrary.success {
                logger.error("MQTT: cannot subscribe to \(subscription.filter): \(MosquittoLibrary.message(for: code))")
            }
        }
        logger.info("MQTT: connected to \(configuration.endpointDescription) (attempt \(attempts))")
        lastLoggedReason = nil
        target?.delegate.mqttDidConnect(target!.client)
    }

    private func didDisconnect(code: Int32) {
        session.disconnectCode = code
        stateLock.withLock {
            status.connected = false
            status.connectedSince = nil
            status.connectedSinceEpochSeconds = nil
            // stop may be waiting for its final message's acknowledgement, now never coming.
            stateLock.broadcast()
        }
    }

    private func didCompletePublish(messageID: Int32) {
        stateLock.withLock {
            guard acknowledgedWhileStopping != nil else { return }
            acknowledgedWhileStopping!.insert(messageID)
            stateLock.broadcast()
        }
    }

    private func didReceive(_ message: mosquitto_message, properties: OpaquePointer?) {
        var delivery = MQTTDelivery(retained: message.retain)
        if let properties {
            var text: UnsafeMutablePointer<CChar>?
            if mosquitto_property_read_string(properties, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), &text, false) != nil, let text {
                delivery.responseTopic = String(cString: text)
                free(text)
            }
            var bytes: UnsafeMutableRawPointer?
            var length: UInt16 = 0
            if mosquitto_property_read_binary(properties, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), &bytes, &length, false) != nil {
                delivery.correlationData = bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(length))) } ?? []
                free(bytes)
            }
        }
        let topic = String(cString: message.topic)
        let payload: [UInt8] = message.payloadlen > 0 && message.payload != nil
            ? Array(UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen)))
            : []
        let target = stateLock.withLock {
            status.received += 1
            return eventTarget()
        }
        target?.delegate.mqttDidReceive(target!.client, topic: topic, payload: payload, delivery: delivery)
    }

    private func libraryLogged(level: Int32, text: UnsafePointer<CChar>) {
        let complaint = level & (Int32(MOSQ_LOG_ERR) | Int32(MOSQ_LOG_WARNING)) != 0
        if complaint { session.libraryComplaint = String(cString: text) }
        // libmosquitto logs every packet; only pay for the string when someone reads it.
        if logger.logLevel <= .trace {
            logger.trace("libmosquitto: \(String(cString: text))")
        } else if complaint, logger.logLevel <= .debug {
            logger.debug("libmosquitto: \(String(cString: text))")
        }
    }
}
