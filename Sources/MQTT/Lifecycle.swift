import CMosquitto
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// Starting and stopping the network thread.
extension ClientCore {
    /// Starts the network thread once; see `MQTTClient.start`.
    func start() throws(MQTTError) {
        AbandonedThreads.shared.reap()
        try stateLock.withLock { () throws(MQTTError) in
            if stopRequested { throw .stopped }
            guard phase == .idle else { throw .alreadyStarted }
            do {
                // Created under the lock so that a concurrent stop finds the thread stored.
                networkThread = try OSThread(name: "mqtt-net") { self.runNetworkThread() }
                phase = .waiting
            } catch {
                throw .threadNotAvailable
            }
        }
        logger.info("MQTT: starting, broker \(configuration.endpointDescription), MQTT \(configuration.protocolVersion)")
    }

    /// Ends the connection and the thread within `timeout` seconds; see `MQTTClient.stop`.
    func stop(finalMessage: MQTTMessage?, timeout: Double) {
        AbandonedThreads.shared.reap()
        let started = MonotonicInstant.now
        let budget = SystemClock.milliseconds(timeout)
        let deadline = started.adding(milliseconds: budget)
        let (first, running, onNetworkThread) = stateLock.withLock {
            let first = !stopRequested
            stopRequested = true
            // Wakes a back-off wait at once.
            stateLock.broadcast()
            let onNetworkThread = networkThreadHandle.map { pthread_equal($0, pthread_self()) != 0 } ?? false
            return (first, phase != .idle && !threadFinished, onNetworkThread)
        }
        guard running else {
            // Never started, or the thread already ended (a second stop): nothing to wake.
            if let thread = takeNetworkThread() { thread.join() }
            return
        }
        if first { logger.info("MQTT: stopping") }
        if first, let finalMessage {
            sendFinalMessage(finalMessage, acknowledgedBy: onNetworkThread ? nil : started.adding(milliseconds: budget / 2))
        }
        unblockNetworkThread(disconnect: true, force: false)
        if onNetworkThread {
            // The thread cannot join itself; it exits as soon as the current callback returns.
            if let thread = takeNetworkThread() { AbandonedThreads.shared.adopt(thread, of: self) }
            return
        }
        // Four fifths of the budget for a clean DISCONNECT; then the socket is shut down under
        // libmosquitto, which fails whatever call it is blocked in.
        let forceAt = started.adding(milliseconds: budget * 4 / 5)
        var forced = false
        while !waitForThreadEnd(until: min(deadline, MonotonicInstant.now.adding(milliseconds: 100))) {
            let now = MonotonicInstant.now
            if now >= deadline { break }
            // Retried, because a socket shut down before its connect() began is not unblocked.
            let force = !forced && now >= forceAt
            if force { forced = true }
            unblockNetworkThread(disconnect: false, force: force)
        }
        guard let thread = takeNetworkThread() else { return }
        if stateLock.withLock({ threadFinished }) {
            thread.join()
        } else {
            logger.warning("MQTT: network thread still blocked after \(timeout) s (DNS lookup?); leaving it to finish by itself")
            AbandonedThreads.shared.adopt(thread, of: self)
        }
    }

    /// Publishes the final message (QoS at least 1) and, unless `deadline` is nil, waits until
    /// the broker acknowledges it, the connection drops, or the deadline passes.
    private func sendFinalMessage(_ message: MQTTMessage, acknowledgedBy deadline: MonotonicInstant?) {
        var message = message
        message.qos = max(1, message.qos)
        // Recording starts before the publish, so an acknowledgement cannot slip past us.
        stateLock.withLock { acknowledgedWhileStopping = [] }
        defer { stateLock.withLock { acknowledgedWhileStopping = nil } }
        let messageID: Int32
        do {
            messageID = try publish(message, duringStop: true)
        } catch {
            logger.notice("MQTT: final message to \(message.topic) not sent: \(error)")
            return
        }
        guard let deadline else { return }
        let acknowledged = stateLock.withLock {
            while acknowledgedWhileStopping?.contains(messageID) != true, status.connected {
                if !stateLock.wait(until: deadline) { break }
            }
            return acknowledgedWhileStopping?.contains(messageID) == true
        }
        if !acknowledged { logger.notice("MQTT: final message to \(message.topic) not acknowledged in time") }
    }

    /// Nudges the network thread towards its exit, according to where it is.
    ///
    /// - `disconnect`: in a session, send DISCONNECT (a clean one, so the broker drops the will);
    ///   libmosquitto closes the socket once it is written and the loop returns.
    /// - While connecting (blocked in connect() to a host that never answers), shutdown(2) the
    ///   socket libmosquitto is connecting: connect() then fails at once.
    /// - `force`: also shut the socket of a session down, for a DISCONNECT that cannot be
    ///   written (a broker that stopped reading).
    ///
    /// shutdown(2) is used rather than close(2) so that the descriptor stays libmosquitto's to
    /// close. It reads the descriptor under `handleLock`, so the handle is alive; the one race
    /// left is libmosquitto closing that descriptor between our read and our shutdown while
    /// another thread opens a new socket that gets the same number. That needs three threads
    /// to meet within a few instructions, once, at shutdown; we accept it rather than leave
    /// every stuck connect() to the abandoned-thread path.
    private func unblockNetworkThread(disconnect: Bool, force: Bool) {
        handleLock.withLock {
            guard let handle else { return }
            switch stateLock.withLock({ phase }) {
            case .session:
                if disconnect { _ = mosquitto_disconnect(handle) }
                if force { Self.shutDownSocket(of: handle) }
            case .connecting:
                Self.shutDownSocket(of: handle)
            case .idle, .waiting, .closing, .finished:
                break
            }
        }
    }

    /// Shuts the handle's socket down in both directions, if it has one. Caller holds `handleLock`.
    static func shutDownSocket(of handle: OpaquePointer) {
        let descriptor = mosquitto_socket(handle)
        if descriptor >= 0 { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    /// Moves the thread handle out (`withLock` cannot return a noncopyable value); nil if
    /// another `stop` took it first.
    private func takeNetworkThread() -> OSThread? {
        stateLock.lock()
        defer { stateLock.unlock() }
        return networkThread.take()
    }

    /// Waits until the network thread has ended or `deadline` passes; true if it has ended.
    private func waitForThreadEnd(until deadline: MonotonicInstant) -> Bool {
        stateLock.withLock {
            while !threadFinished {
                if !stateLock.wait(until: deadline) { break }
            }
            return threadFinished
        }
    }

    /// Test hook: kills the connection the way a dead network would, without DISCONNECT, so the
    /// broker publishes the will. True if there was a connection to kill.
    func dropConnectionWithoutDisconnect() -> Bool {
        handleLock.withLock {
            guard let handle, mosquitto_socket(handle) >= 0 else { return false }
            Self.shutDownSocket(of: handle)
            return true
        }
    }
}
