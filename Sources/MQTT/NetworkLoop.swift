import CMosquitto
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// The body of the network thread: connect, drive the connection, back off, repeat, until stop.
///
/// We drive libmosquitto ourselves (`mosquitto_loop`) rather than with `mosquitto_loop_start`:
/// its thread gives up for good after an MQTT 5 refusal or a TLS failure, retries a 3.1.1
/// refusal every second without jitter, and replays QoS>0 messages queued while offline.
extension ClientCore {
    /// How one connection attempt ended.
    struct AttemptOutcome {
        /// The broker accepted the connection at some point, so the back-off starts over.
        var accepted: Bool
        /// Why it ended, in words; nil when it ended because `stop` was called.
        var reason: String?
    }

    /// Seconds to wait for CONNACK when keepalive is off (with keepalive on, libmosquitto gives
    /// up after one keepalive period and so do we).
    static let connackTimeoutWithoutKeepalive = 30

    /// Runs on the "mqtt-net" thread from `start` until a stop request is seen.
    func runNetworkThread() {
        stateLock.withLock {
            networkThreadHandle = pthread_self()
            networkThreadID = SystemClock.currentThreadID()
        }
        var backoff = ReconnectBackoff(initial: configuration.reconnectDelayInitial, maximum: configuration.reconnectDelayMax)
        var jitter = JitterSource(seed: configuration.reconnectJitterSeed)
        while beginAttempt() {
            let outcome = connectOnce()
            if outcome.accepted { backoff.reset() }
            guard finishAttempt(outcome) else { break }
            let delay = backoff.nextDelay(using: &jitter)
            logger.debug("MQTT: next connection attempt in \(Int(delay * 1000)) ms")
            guard waitBeforeRetry(seconds: delay) else { break }
        }
        stateLock.withLock {
            phase = .finished
            threadFinished = true
            status.connected = false
            stateLock.broadcast()
        }
    }

    /// Counts an attempt, unless stop was requested.
    private func beginAttempt() -> Bool {
        stateLock.withLock {
            guard !stopRequested else { return false }
            status.attempts += 1
            phase = .connecting
            return true
        }
    }

    /// One connection from a fresh handle to its destruction.
    ///
    /// Every attempt gets a new `mosquitto *`: libmosquitto keeps QoS>0 messages of a lost
    /// connection and resends them on `mosquitto_reconnect`, so the only way never to replay
    /// stale telemetry is never to reconnect a used handle.
    private func connectOnce() -> AttemptOutcome {
        session = SessionRecord()
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let mosq = mosquitto_new(configuration.clientID, true, context) else {
            return AttemptOutcome(accepted: false, reason: "mosquitto_new failed: \(MosquittoLibrary.systemMessage(errno))")
        }
        if let problem = configure(mosq) {
            mosquitto_destroy(mosq)
            return AttemptOutcome(accepted: false, reason: problem)
        }
        handleLock.withLock { handle = mosq }
        let reason = drive(mosq)
        handleLock.withLock {
            handle = nil
            stateLock.withLock {
                phase = .closing
                status.connected = false
                status.connectedSince = nil
                status.connectedSinceEpochSeconds = nil
            }
        }
        // The destroy happens outside the lock; nobody can reach the handle any more.
        mosquitto_destroy(mosq)
        return AttemptOutcome(accepted: session.accepted, reason: reason)
    }

    /// Connects and runs the loop until the connection ends; returns why, or nil for a stop.
    private func drive(_ mosq: OpaquePointer) -> String? {
        let code = mosquitto_connect_bind_v5(
            mosq, configuration.host, Int32(configuration.port), Int32(configuration.keepAliveSeconds), nil, nil)
        let savedErrno = errno
        if code != MosquittoLibrary.success {
            return describeConnectFailure(code, errno: savedErrno)
        }
        guard enterSession() else { return nil }
        let started = MonotonicInstant.now
        let connackTimeout = configuration.keepAliveSeconds > 0
            ? configuration.keepAliveSeconds : Self.connackTimeoutWithoutKeepalive
        while true {
            let code = mosquitto_loop(mosq, loopTimeoutMilliseconds(since: started, connackTimeout: connackTimeout), 1)
            let savedErrno = errno
            if code != MosquittoLibrary.success {
                return describeSessionEnd(code, errno: savedErrno)
            }
            if !session.accepted, MonotonicInstant.now.nanoseconds(since: started) >= UInt64(connackTimeout) * 1_000_000_000 {
                return "no CONNACK from \(configuration.endpointDescription) within \(connackTimeout) s"
            }
        }
    }

    /// How long `mosquitto_loop` may sleep in select: a whole keepalive period. libmosquitto
    /// shortens it to the moment the next PINGREQ is due (`next_msg_out` in its loop.c), so an
    /// idle connection wakes the thread once per keepalive to ping and once for the PINGRESP,
    /// and never otherwise. Publishes and `stop` wake it at once through libmosquitto's
    /// socketpair.
    private func loopTimeoutMilliseconds(since started: MonotonicInstant, connackTimeout: Int) -> Int32 {
        let keepalive = configuration.keepAliveSeconds
        var timeout = keepalive > 0 ? keepalive * 1000 : 3_600_000
        if !session.accepted {
            let elapsed = Int(MonotonicInstant.now.nanoseconds(since: started) / 1_000_000)
            timeout = min(timeout, max(10, connackTimeout * 1000 - elapsed))
        }
        return Int32(timeout)
    }

    /// Marks the TCP connection as established, unless stop was requested while connecting.
    private func enterSession() -> Bool {
        stateLock.withLock {
            guard !stopRequested else { return false }
            phase = .session
            return true
        }
    }

    /// Records and reports how an attempt ended; false when the thread should exit.
    private func finishAttempt(_ outcome: AttemptOutcome) -> Bool {
        guard let reason = outcome.reason else { return false }
        let target: (delegate: any MQTTClientDelegate, client: MQTTClient)?? = stateLock.withLock {
            guard !stopRequested else { return .none }
            phase = .waiting
            status.lastError = reason
            return .some(eventTarget())
        }
        guard let target else { return false }
        // The first occurrence of a reason is worth a warning; the same failure every 30 s
        // for hours is not.
        if reason != lastLoggedReason {
            logger.warning("MQTT: \(reason)")
            lastLoggedReason = reason
        } else {
            logger.debug("MQTT: \(reason)")
        }
        if let target { target.delegate.mqttDidDisconnect(target.client, reason: reason) }
        return true
    }

    /// Parks for the back-off delay; `stop` ends the wait at once. False when stopping.
    private func waitBeforeRetry(seconds: Double) -> Bool {
        let deadline = MonotonicInstant.now.adding(milliseconds: SystemClock.milliseconds(seconds))
        return stateLock.withLock {
            while !stopRequested {
                if !stateLock.wait(until: deadline) { break }
            }
            return !stopRequested
        }
    }
}
