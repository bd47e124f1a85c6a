public import MQTT
import XousIPC
#if canImport(Glibc)
import Glibc
#endif
import SystemSupport

/// Collects an MQTT client's events so that integration tests can wait for them.
///
/// Test support only: `TestHarness` is linked by test targets, never by the products.
public final class EventRecorder: MQTTClientDelegate, @unchecked Sendable {
    /// Everything recorded so far.
    public struct Snapshot: Sendable {
        /// Successful connections.
        public var connects = 0
        /// Disconnect reasons, in order.
        public var reasons: [String] = []
        /// Messages received, in order.
        public var messages: [(topic: String, payload: String)] = []

        /// The payloads seen on `topic`, in order.
        public func payloads(on topic: String) -> [String] {
            messages.filter { $0.topic == topic }.map(\.payload)
        }
    }

    private let lock = ConditionLock()
    private var events = Snapshot()

    /// A recorder with nothing recorded.
    public init() {}

    // Guarded by `lock`.
    private var correlations: [String: [UInt8]] = [:]

    /// A copy of what was recorded.
    public var snapshot: Snapshot { lock.withLock { events } }
    /// Successful connections so far.
    public var connects: Int { snapshot.connects }
    /// Disconnect reasons so far.
    public var reasons: [String] { snapshot.reasons }
    /// The payloads seen on `topic`.
    public func payloads(on topic: String) -> [String] { snapshot.payloads(on: topic) }

    public func mqttDidConnect(_ client: MQTTClient) {
        lock.withLock { events.connects += 1; lock.broadcast() }
    }

    public func mqttDidDisconnect(_ client: MQTTClient, reason: String) {
        lock.withLock { events.reasons.append(reason); lock.broadcast() }
    }

    public func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8]) {
        mqttDidReceive(client, topic: topic, payload: payload, delivery: MQTTDelivery())
    }

    public func mqttDidReceive(_ client: MQTTClient, topic: String, payload: [UInt8], delivery: MQTTDelivery) {
        lock.withLock {
            events.messages.append((topic, String(decoding: payload, as: UTF8.self)))
            if let data = delivery.correlationData { correlations[topic] = data }
            lock.broadcast()
        }
    }

    /// The Correlation Data (MQTT 5) of the last message on `topic` that had one.
    public func correlation(on topic: String) -> [UInt8]? { lock.withLock { correlations[topic] } }

    /// Waits until `condition` holds for the recorded events, or `timeout` seconds pass.
    public func wait(timeout: Double = 5, until condition: (Snapshot) -> Bool) -> Bool {
        let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(timeout * 1000))
        return lock.withLock {
            while !condition(events) {
                if !lock.wait(until: deadline) { return condition(events) }
            }
            return true
        }
    }

    /// Waits for a message with `payload` on `topic`.
    public func waitForMessage(_ topic: String, _ payload: String, timeout: Double = 5) -> Bool {
        wait(timeout: timeout) { $0.payloads(on: topic).contains(payload) }
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass (tests only).
public func eventually(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicInstant.now.adding(milliseconds: UInt64(timeout * 1000))
    while MonotonicInstant.now < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// Sleeps for `seconds` (tests only: gives a wrong behaviour the chance to show itself).
public func pause(_ seconds: Double) {
    usleep(UInt32(seconds * 1_000_000))
}
