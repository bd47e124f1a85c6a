import CMosquitto

/// Publish and subscribe, called from any thread.
extension ClientCore {
    /// Hands `message` to libmosquitto if, and only if, a connection is accepted right now.
    ///
    /// `duringStop` lets `stop` send its final message after other publishers are turned away.
    func publish(_ message: MQTTMessage, duringStop: Bool = false) throws(MQTTError) -> Int32 {
        if let problem = Self.publishProblem(message) {
            stateLock.withLock { status.publishErrors += 1 }
            throw .invalidMessage(problem)
        }
        return try handleLock.withLock { () throws(MQTTError) -> Int32 in
            let ready = stateLock.withLock {
                let ready = status.connected && (duringStop || !stopRequested) && handle != nil
                if !ready { status.publishErrors += 1 }
                return ready
            }
            guard ready, let handle else { throw .notConnected }
            var messageID: Int32 = 0
            // MQTT 5 properties only over MQTT 5: a 3.1.1 PUBLISH has none.
            var properties: OpaquePointer?
            if configuration.protocolVersion == .v5 {
                if let data = message.correlationData {
                    _ = data.withUnsafeBytes {
                        mosquitto_property_add_binary(&properties, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), $0.baseAddress, UInt16(clamping: $0.count))
                    }
                }
                if let topic = message.responseTopic {
                    mosquitto_property_add_string(&properties, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), topic)
                }
                if let expiry = message.expirySeconds {
                    mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry)
                }
            }
            defer { if properties != nil { mosquitto_property_free_all(&properties) } }
            let code = message.payload.withUnsafeBytes { bytes in
                mosquitto_publish_v5(handle, &messageID, message.topic, Int32(bytes.count), bytes.baseAddress,
                                     Int32(message.qos), message.retain, properties)
            }
            stateLock.withLock {
                if code == MosquittoLibrary.success { status.published += 1 } else { status.publishErrors += 1 }
            }
            if code == MosquittoLibrary.success { return messageID }
            if code == MosquittoLibrary.noConnection { throw .notConnected }
            throw .library(code: code, message: MosquittoLibrary.message(for: code))
        }
    }

    /// Remembers `filter` and subscribes now if connected; every later connection subscribes again.
    func subscribe(_ filter: String, qos: Int) {
        guard (0...2).contains(qos), MQTTConfiguration.mqttStringProblem(filter) == nil,
              mosquitto_sub_topic_check(filter) == MosquittoLibrary.success
        else {
            logger.error("MQTT: not subscribing to invalid topic filter \"\(filter)\" with QoS \(qos)")
            return
        }
        handleLock.withLock {
            // Updating the list and reading `connected` together means a concurrent CONNACK
            // either sees the new filter or leaves it to us.
            let connected = stateLock.withLock {
                if let index = subscriptions.firstIndex(where: { $0.filter == filter }) {
                    subscriptions[index].qos = qos
                } else {
                    subscriptions.append(Subscription(filter: filter, qos: qos))
                }
                return status.connected
            }
            guard connected, let handle else { return }
            let code = mosquitto_subscribe(handle, nil, filter, Int32(qos))
            if code != MosquittoLibrary.success {
                logger.error("MQTT: cannot subscribe to \(filter): \(MosquittoLibrary.message(for: code))")
            }
        }
    }

    /// Forgets `filter` and unsubscribes now if connected; later connections no longer subscribe.
    func unsubscribe(_ filter: String) {
        handleLock.withLock {
            let connected = stateLock.withLock {
                subscriptions.removeAll { $0.filter == filter }
                return status.connected
            }
            guard connected, let handle else { return }
            let code = mosquitto_unsubscribe(handle, nil, filter)
            if code != MosquittoLibrary.success {
                logger.error("MQTT: cannot unsubscribe from \(filter): \(MosquittoLibrary.message(for: code))")
            }
        }
    }

    /// Why `message` cannot be published, or nil.
    static func publishProblem(_ message: MQTTMessage) -> String? {
        if let problem = MQTTConfiguration.publishTopicProblem(message.topic) { return "topic \(problem)" }
        guard (0...2).contains(message.qos) else { return "QoS \(message.qos) must be 0, 1 or 2" }
        // MQTT's remaining-length field caps a packet at 256 MiB.
        guard message.payload.count <= 268_435_455 else { return "payload of \(message.payload.count) bytes exceeds MQTT's limit" }
        return nil
    }
}
