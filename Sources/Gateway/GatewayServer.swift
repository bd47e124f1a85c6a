public import Logging
public import MQTT
import Synchronization
import SystemSupport
import GatewayControl
import NetServer
public import XousIPC

/// The gateway's main server: the one thread that owns all gateway state.
///
/// Wi-Fi updates arrive from the bouncer; MQTT events arrive from libmosquitto's thread; health
/// ticks, subscription results and the shutdown request arrive from threads of the gateway. All
/// are messages to this server, handled one at a time, so no gateway state is ever shared.
public final class GatewayServer: @unchecked Sendable {
    /// The gateway's process (its main server's SID never leaves this object).
    public let process: XousProcess
    /// What publishes go where, now (a reload may change it); safe from any thread.
    public var configuration: GatewayConfiguration { configurationLock.withLock { $0 } }
    private let configurationLock: Mutex<GatewayConfiguration>
    private let logger: Logger
    private let sid: SID
    /// The main server's connection; the control socket's thread sends on it too.
    let cid: CID
    /// Wi-Fi events for the control socket's watchers.
    let watchFeed: WatchFeed
    private let snapshotLock = Mutex(GatewayStatus())
    private let shutdownRequested = Atomic<Bool>(false)
    private let serving = Atomic<Bool>(false)
    /// A configuration handed over by `reconfigure`, taken by the main loop.
    private let pendingReconfiguration = Mutex<(GatewayConfiguration, MQTTConfiguration)?>(nil)

    // Main-thread state.
    /// The configuration the main loop works with.
    private var config: GatewayConfiguration
    private var topics: Topics
    /// The broker connection; replaced when a reload changes the MQTT settings or base topic.
    private var mqtt: MQTTClient
    /// Counts MQTT clients, so that an event of a replaced one is known as stale.
    private var mqttGeneration: UInt = 0
    private var state = GatewayStatus()
    /// The Wi-Fi subscription, which runs its own handshakes and recovery (`WifiSubscription`).
    private var wifi: WifiSubscription?
    private var ticker: HealthTicker?
    /// Held here: the MQTT client keeps its delegate weakly.
    private var bridge: MQTTBridge?
    /// Control requests and the subscription's state, decided as a value (`ControlQueue`);
    /// this server carries its effects out.
    private var queue = ControlQueue()
    /// Where each queued request's answer goes, by the id the queue knows it by.
    private var origins: [Int: PendingControl] = [:]
    private var nextRequestID = 0
    /// Discovery waits until the broker's retained discovery has been read (`DiscoveryScan`):
    /// on the first connection, on a new broker, and after a reload that moved it.
    private var needsDiscoveryScan = true
    private var scan: DiscoveryScan?
    private var scans: UInt = 0
    /// The discovery topics published on this broker in this run: what a reload that moves
    /// them must clear, beyond what the broker's record says.
    private var publishedDiscovery: Set<String> = []
    /// The old base topic's `bridge/state` after a reload moved the base: cleared again once the
    /// new connection is up, because the broker may publish the old connection's last will there
    /// when the new one (same client id) takes its session over.
    private var movedBridgeState: String?
    /// How long a scan waits for the broker to give back its retained discovery.
    static let scanTimeoutMilliseconds: UInt64 = 3000

    /// Creates the gateway process and its main server in `kernel`.
    /// - Throws: the configuration's error, or the kernel's if it has no room.
    public convenience init(kernel: Kernel, configuration: GatewayConfiguration, mqtt: MQTTClient, logger: Logger) throws {
        try self.init(process: try kernel.createProcess(name: "gateway"), configuration: configuration, mqtt: mqtt, logger: logger)
    }

    /// Runs the gateway as `process`: one of an embedded kernel, or this OS process joined to a
    /// hosted-mode kernel; the code is the same for both.
    /// - Throws: the configuration's error, or the kernel's if it has no room.
    public init(process: XousProcess, configuration: GatewayConfiguration, mqtt: MQTTClient, logger: Logger) throws {
        try configuration.validate()
        configurationLock = Mutex(configuration)
        config = configuration
        self.mqtt = mqtt
        self.logger = logger
        topics = Topics(configuration)
        state.version = configuration.version
        state.mqttServer = mqtt.configuration.serverURL
        watchFeed = try WatchFeed()
        self.process = process
        sid = try process.createServer()
        cid = try process.connect(sid)
    }

    /// The last will the MQTT client must register: `{"state":"offline"}`, retained, QoS 1.
    public static func will(for configuration: GatewayConfiguration) -> MQTTMessage {
        MQTTMessage(topic: Topics(configuration).bridgeState, payload: DocumentCoding.encode(StateDocument("offline")), qos: 1, retain: true)
    }

    /// A copy of the gateway's status, safe to read from any thread.
    public var status: GatewayStatus { snapshotLock.withLock { $0 } }

    /// True while the main loop serves (MQTT started, the subscription made): a shutdown
    /// request is then answered in order. Before, nothing has been published that a shutdown
    /// would have to take back.
    public var isServing: Bool { serving.load(ordering: .acquiring) }

    /// True once `requestShutdown` was called: a main loop that ended without it lost its kernel.
    public var shutdownWasRequested: Bool { shutdownRequested.load(ordering: .acquiring) }

    /// Asks the main loop to shut down in order; safe from any thread, idempotent.
    public func requestShutdown() {
        guard !shutdownRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = try? process.send(cid, .scalar(ScalarMessage(id: GatewayOpcode.shutdown.rawValue)))
    }

    /// Runs the gateway on the calling thread until `requestShutdown`: connects to the net
    /// server and subscribes, starts MQTT, and serves. On shutdown it unsubscribes (the Drop
    /// handshake), publishes `offline`, disconnects and returns.
    public func run() throws {
        let wifi = try WifiSubscription(
            process: process, ownerCID: cid, updateOpcode: UInt32(GatewayOpcode.wifiUpdate.rawValue),
            eventOpcode: GatewayOpcode.subscriptionResult.rawValue, logger: logger)
        self.wifi = wifi
        ticker = try HealthTicker(process: process, mainCID: cid, intervalSeconds: config.healthIntervalSeconds)
        try startMQTT()
        apply(queue.handle(.started))
        logger.info("gatewayd up", metadata: ["base_topic": "\(config.baseTopic)", "device_id": "\(config.deviceID)"])

        serving.store(true, ordering: .releasing)
        defer { serving.store(false, ordering: .releasing) }
        while let envelope = try? process.receive(sid) {
            handle(envelope)
            snapshotLock.withLock { $0 = state }
            if queue.isFinished { break }
        }
        ticker?.stop()
        wifi.stop()
        mqtt.stop(finalMessage: Self.will(for: config), timeout: 1.0)
        try? process.destroyServer(sid)
        logger.info("gatewayd down")
    }

    /// Starts the current MQTT client with a bridge of this generation and the gateway's
    /// subscriptions.
    private func startMQTT() throws {
        mqttGeneration += 1
        let bridge = MQTTBridge(process: process, mainCID: cid, generation: mqttGeneration)
        self.bridge = bridge
        mqtt.setDelegate(bridge)
        mqtt.subscribe(topics.control, qos: 1)
        if config.discoveryEnabled { mqtt.subscribe(topics.homeAssistantStatus, qos: 1) }
        try mqtt.start()
    }

    // MARK: Dispatch

    private func handle(_ envelope: consuming MessageEnvelope) {
        // Only the gateway's own threads (and its bouncer) hold this server's CID.
        guard envelope.sender.pid == process.pid, let opcode = GatewayOpcode(rawValue: envelope.id) else {
            logger.warning("Main server ignored a message", metadata: ["opcode": "\(envelope.id)"])
            envelope.refuse()
            return
        }
        switch opcode {
        case .wifiUpdate:
            guard envelope.kind == .borrow, let ipc = try? envelope.decode(WlanStatusIpc.self) else {
                logger.warning("Main server ignored a malformed Wi-Fi update")
                return
            }
            // The update is ours now: returning the bouncer's memory before publishing lets it
            // fetch the next update while this one goes to libmosquitto.
            _ = consume envelope
            wifiUpdate(ipc)
        case .mqttConnected:
            // A client a reload replaced may have connected just before it was stopped.
            if envelope.scalar?.arg1 == mqttGeneration { mqttConnected() }
        case .mqttDisconnected:
            let reason = (try? envelope.decode(TextMessage.self))?.text ?? "unknown reason"
            mqttDisconnected(reason)
        case .mqttMessage:
            if let message = try? envelope.decode(InboundMQTTMessage.self) { mqttMessage(message) }
        case .subscriptionResult:
            if let scalar = envelope.scalar { subscriptionResult(scalar) }
        case .healthTick:
            publishHealth()
            // The net server never says it lost us, so the gateway looks, once per tick.
            if !queue.stopping { wifi?.check() }
        case .shutdown:
            beginShutdown()
        case .controlSocketRequest:
            socketRequest(envelope)
        case .controlSocketRejected:
            state.controlErrors += 1
        case .reconfigure:
            if let (configuration, mqttConfiguration) = pendingReconfiguration.withLock({ $0.take() }), !queue.stopping {
                reconfigure(configuration, mqttConfiguration)
            }
        case .discoveryScanTimeout:
            if let scan, envelope.scalar?.arg1 == scans { finishScan(scan, timedOut: true) }
        }
    }

    // MARK: Wi-Fi

    private func wifiUpdate(_ ipc: WlanStatusIpc) {
        state.updatesReceived += 1
        state.lastStatus = WlanStatus(ipc)
        state.lastStatusAt = .now
        // A MAC learnt (or changed) goes into the device's discovery at once.
        if let mac = state.lastStatus?.ipv4.mac, mac != .zero { knownMAC = mac.description }
        if config.discoveryEnabled, state.mqttConnected, knownMAC != discoveryMAC {
            publishDiscovery()
        }
        state.bouncerIgnored = wifi?.bouncerIgnored ?? 0
        // The bytes are written straight from the status, as every update needs them.
        guard let payload = state.wlanPayloadBytes() else { return }
        if publish(topics.wlanState, payload, retain: true) {
            state.updatesPublished += 1
        } else {
            state.updatesDropped += 1
        }
        // Watchers get the same bytes, embedded as they are.
        if watchFeed.hasWatchers {
            watchFeed.post(seq: state.updatesReceived, line: SocketEvent("wlan").line(data: payload))
        }
    }

    @discardableResult
    private func publishWlanState() -> Bool {
        guard let payload = state.wlanPayloadBytes() else { return false }
        return publish(topics.wlanState, payload, retain: true)
    }

    // MARK: MQTT

    private func mqttConnected() {
        state.mqttConnected = true
        state.mqttConnects += 1
        state.mqttSince = .now
        logger.info("MQTT connected", metadata: ["reconnects": "\(state.mqttReconnects)"])
        // Discovery waits for what the broker keeps of it (once per broker and configuration);
        // the state goes out at once.
        if needsDiscoveryScan { startScan() }
        if let moved = movedBridgeState.take() { publish(moved, [UInt8](), retain: true) }
        // Once per (re)connect: what a consumer needs, and nothing stale from while we were away.
        republishAll()
        publishHealth()
        // The start-up is over; the code it ran need not stay resident (BENCHMARKS.md).
        if state.mqttConnects == 1 { ResidentMemory.releaseCodePages() }
    }

    private func republishAll() {
        publish(topics.bridgeState, document: StateDocument("online"), retain: true)
        publishDiscovery()
        publishSubscriptionState()
        publishWlanState()
    }

    private func mqttDisconnected(_ reason: String) {
        if state.mqttConnected {
            logger.warning("MQTT connection lost: \(reason)")
            state.mqttSince = .now
        } else {
            logger.info("MQTT not connected: \(reason)")
        }
        state.mqttConnected = false
        state.mqttLastError = reason
        // A scan cut short starts again on the next connection.
        abandonScan()
    }

    private func mqttMessage(_ message: InboundMQTTMessage) {
        state.received += 1
        if scan != nil, scan!.take(topic: message.topic, payload: message.originalLength == 0 ? [] : message.payload) {
            if let scan, scan.isComplete { finishScan(scan, timedOut: false) }
        } else if message.topic == topics.control, message.retained {
            // A command somebody published with the retain flag (or a retaining switch) would
            // otherwise run again on every start and reconnect. It is not a request: no answer.
            state.retainedControlIgnored += 1
            if state.retainedControlIgnored == 1 {
                logger.warning("Ignored a retained message on \(topics.control): control commands are never taken from the broker's store (clear it with: mosquitto_pub -t '\(topics.control)' -r -n)")
            } else {
                logger.debug("Ignored a retained message on the control topic again")
            }
        } else if message.topic == topics.control {
            control(message)
        } else if config.discoveryEnabled, message.topic == topics.homeAssistantStatus {
            if message.originalLength == message.payload.count,
               String(decoding: message.payload, as: UTF8.self).trimmingWhitespace() == "online" {
                logger.info("Home Assistant is online; republishing discovery and state")
                republishAll()
            }
        }
        // Anything else is a late message of a scan that ended (its filters are unsubscribed).
    }

    /// The Wi-Fi MAC last reported (a disconnected status reports none and changes nothing),
    /// and the one the published discovery carries.
    private var knownMAC: String?
    private var discoveryMAC: String?

    /// Publishes the current discovery configs and their record, unless the broker's discovery
    /// has still to be read (`finishScan` publishes them then).
    private func publishDiscovery() {
        guard config.discoveryEnabled, !needsDiscoveryScan, scan == nil else { return }
        let configs = Discovery.configs(config, mac: knownMAC)
        publishDiscovery(configs, record: DiscoveryRecord(config, publishing: configs))
    }

    /// Publishes `configs` (with the MAC known now) and then their record, if any.
    private func publishDiscovery(_ configs: [Discovery.Config], record: DiscoveryRecord?) {
        discoveryMAC = knownMAC
        for discovery in configs { publish(discovery.topic, discovery.payload, retain: true) }
        if let record { publish(topics.discoveryRecord, record.payload, retain: true) }
        publishedDiscovery = Set(configs.map(\.topic))
    }

    // MARK: Discovery on the broker

    /// Subscribes to where this gateway's discovery may be and sends itself the scan's marker;
    /// `finishScan` follows when the marker is back, or after `scanTimeoutMilliseconds`.
    private func startScan() {
        scans += 1
        let scan = DiscoveryScan(config, token: "\(process.pid)-\(scans)-\(UInt32.random(in: 0...UInt32.max))")
        self.scan = scan
        for filter in scan.filters { mqtt.subscribe(filter, qos: 1) }
        _ = try? mqtt.publish(MQTTMessage(topic: scan.markerTopic, payload: scan.marker, qos: 1, retain: false))
        ticker?.setAlarm(milliseconds: Self.scanTimeoutMilliseconds, ScalarMessage(id: GatewayOpcode.discoveryScanTimeout.rawValue, scans))
    }

    /// Ends a scan without acting on it (the connection dropped, or a reload changed what to
    /// look for); `needsDiscoveryScan` stays set, so the next one starts over.
    private func abandonScan() {
        guard let scan else { return }
        self.scan = nil
        ticker?.cancelAlarm()
        for filter in scan.filters { mqtt.unsubscribe(filter) }
    }

    /// Brings the broker's discovery in line with the configuration (`DiscoveryPlan`): marks
    /// what moves to the other form for Home Assistant's migration, clears what is stale,
    /// publishes the current configs and the record.
    private func finishScan(_ finished: DiscoveryScan, timedOut: Bool) {
        scan = nil
        ticker?.cancelAlarm()
        for filter in finished.filters { mqtt.unsubscribe(filter) }
        if timedOut {
            logger.warning(
                "The broker did not give back gatewayd's retained discovery within \(Self.scanTimeoutMilliseconds) ms (its ACL must let gatewayd read \(finished.recordTopic), \(finished.markerTopic) and its discovery topics); discovery is published, but old configs may stay behind")
        }
        guard state.mqttConnected else { return }  // the next connection scans again
        needsDiscoveryScan = false
        // Topics of another device id or prefix, which the scan did not look at: the record's,
        // and what this run published before a reload moved them.
        let known = finished.recordedElsewhere.union(publishedDiscovery.subtracting(finished.candidates))
        let plan = DiscoveryPlan.make(config, mac: knownMAC, found: finished.found, known: known, recordPresent: finished.recordPresent)
        for topic in plan.migrate { publish(topic, DiscoveryPlan.migrationMark, retain: true) }
        for topic in plan.clear { publish(topic, [UInt8](), retain: true) }
        publishDiscovery(plan.publish, record: plan.record)
        if plan.clearRecord { publish(topics.discoveryRecord, [UInt8](), retain: true) }
        if !plan.migrate.isEmpty {
            logger.notice(
                "Moved the Home Assistant discovery of \(config.deviceID) to the \(config.discoveryForm.rawValue) form with Home Assistant's migrate_discovery (entity ids and history stay): \(plan.migrate.count) old topics migrated and cleared")
        }
        let gone = plan.clear.filter { !plan.migrate.contains($0) }
        if !gone.isEmpty {
            logger.notice("Cleared \(gone.count) discovery topics gatewayd published before and no longer uses: \(gone.joined(separator: ", "))")
        }
    }

    private func publishSubscriptionState() {
        publish(topics.subscription, document: StateDocument(state.subscriptionState), retain: true)
    }

    private func publishHealth() {
        state.bouncerIgnored = wifi?.bouncerIgnored ?? state.bouncerIgnored
        // On MQTT 5 a health report that is three intervals old is dropped by the broker: a
        // retained one from a gatewayd that died would otherwise read as current for ever.
        let expiry = UInt32(clamping: 3 * config.healthIntervalSeconds)
        publish(topics.health, DocumentCoding.encode(state.healthPayload()), retain: true, expirySeconds: expiry)
    }

    /// Publishes `document` encoded; see the byte form.
    @discardableResult
    private func publish(_ topic: String, document: some Encodable, retain: Bool) -> Bool {
        publish(topic, DocumentCoding.encode(document), retain: retain)
    }

    /// Publishes at QoS 1. While the broker is away nothing is queued (that would replay a
    /// stale burst on reconnect); the caller learns it was not published.
    @discardableResult
    private func publish(
        _ topic: String, _ payload: [UInt8], retain: Bool, correlationData: [UInt8]? = nil, expirySeconds: UInt32? = nil
    ) -> Bool {
        guard state.mqttConnected else { return false }
        var message = MQTTMessage(topic: topic, payload: payload, qos: 1, retain: retain)
        // MQTT 5 properties; the client leaves them out over 3.1.1.
        message.correlationData = correlationData
        message.expirySeconds = expirySeconds
        do {
            try mqtt.publish(message)
            state.published += 1
            return true
        } catch .notConnected {
            return false
        } catch {
            state.publishErrors += 1
            logger.warning("Publish to \(topic) failed: \(error)")
            return false
        }
    }

    // MARK: Control

    /// Publishes a control response on `<base>/control/response` and, for an MQTT 5 request
    /// that named a Response Topic, there too with its Correlation Data (MQTT 5's
    /// request/response: `mosquitto_rr -V 5 -t <base>/control -e <topic> -m status`).
    private func respond(_ bytes: [UInt8], to replyTo: ResponseAddress?) {
        publish(topics.controlResponse, bytes, retain: false)
        // Not back onto the control topic itself, where the answer would read as a request.
        if let replyTo, replyTo.topic != topics.control {
            publish(replyTo.topic, bytes, retain: false, correlationData: replyTo.correlationData)
        }
    }

    private func control(_ message: InboundMQTTMessage) {
        let request: ControlRequest
        do throws(ControlRequestError) {
            // A long payload reaches the main server cut short; its length is the original's.
            if message.originalLength > ControlChannel.topic.maxRequestBytes {
                throw ControlRequestError.tooLarge(message.originalLength, on: .topic)
            }
            request = try ControlRequest.parse(message.payload, on: .topic)
        } catch {
            state.controlErrors += 1
            logger.info("Control request refused: \(error.message)")
            respond(error.response(on: .topic), to: message.replyTo)
            return
        }
        enqueue(PendingControl(command: request.command, origin: .topic(transaction: request.echo, replyTo: message.replyTo)))
    }

    /// A request from the control socket's thread, which waits (its MutableBorrow) until it is
    /// answered: a status at once, a subscription change after the subscription's handshake.
    private func socketRequest(_ envelope: consuming MessageEnvelope) {
        guard envelope.kind == .mutableBorrow, let call = try? envelope.decode(ControlSocketCall.self) else {
            logger.warning("Main server ignored a malformed control socket request")
            return
        }
        enqueue(PendingControl(command: call.command, origin: .socket(HeldReply(envelope))))
    }

    private func enqueue(_ request: PendingControl) {
        nextRequestID += 1
        origins[nextRequestID] = request
        apply(queue.handle(.request(id: nextRequestID, request.command)))
    }

    private func subscriptionResult(_ scalar: ScalarMessage) {
        switch WifiSubscription.Event(scalar) {
        case .lost(let cause)?: apply(queue.handle(.lost(cause)))
        case .back?: apply(queue.handle(.back))
        case let .done(request, error, subscribed)?: apply(queue.handle(.done(request, error: error, subscribed: subscribed)))
        case nil: break
        }
    }

    /// Carries out what the control queue decided, in its order.
    private func apply(_ effects: [ControlQueue.Effect]) {
        state.subscribed = queue.subscribed
        for effect in effects {
            switch effect {
            case .ask(let request):
                wifi?.request(request)
            case .answerStatus(let id):
                if let request = origins.removeValue(forKey: id) {
                    answer(request, .ok(DocumentCoding.encode(state.statusData(configuration: config))))
                }
            case .answerSubscription(let id):
                if let request = origins.removeValue(forKey: id) {
                    answer(request, .ok(DocumentCoding.encode(SubscriptionDocument(subscription: state.subscriptionState))))
                }
            case let .answerError(id, message):
                if let request = origins.removeValue(forKey: id) { answer(request, .error(message)) }
            case .subscriptionChanged(let on):
                logger.info("Wi-Fi push subscription \(on ? "on" : "off")")
                publishSubscriptionState()
            case let .netServerLost(error, resubscribe):
                state.netServerLost += 1
                state.netServerAvailable = false
                state.netServerLastError = "\(error)"
                // No SID, CID or opcode here: the error's name and number say what happened.
                logger.warning(
                    "The net server went away (\(error)); Wi-Fi updates stop until it registers again",
                    metadata: ["lost": "\(state.netServerLost)", "resubscribe": "\(resubscribe)"])
            case .netServerBack(let resubscribing):
                state.netServerAvailable = true
                logger.notice(resubscribing ? "The net server is back; subscribing again" : "The net server is back")
            case .publishHealth:
                publishHealth()
            }
        }
    }

    /// Counts and delivers an answer: a response on `<base>/control/response` for the topic,
    /// the reply in the waiting caller's buffer for the socket.
    private func answer(_ request: PendingControl, _ outcome: ControlOutcome) {
        switch outcome {
        case .ok: state.controlOK += 1
        case .error(let message):
            state.controlErrors += 1
            logger.info("Control request refused: \(message)")
        }
        switch (request.origin, outcome) {
        case let (.topic(transaction, replyTo), .ok(data)):
            respond(ControlResponse.ok(request.command, data: data, echo: transaction, on: .topic), to: replyTo)
        case let (.topic(transaction, replyTo), .error(message)):
            respond(
                ControlResponse.error(command: request.command.rawValue, message: message, echo: transaction, on: .topic),
                to: replyTo)
        case (.socket(let held), .ok(let data)):
            held.reply(ControlSocketReply(ok: true, body: data))
        case (.socket(let held), .error(let message)):
            held.reply(ControlSocketReply(ok: false, body: Array(message.utf8)))
        }
    }

    // MARK: Reload

    /// Applies a new configuration while the gateway serves (SIGHUP); safe from any thread,
    /// carried out on the main loop, the latest call winning. MQTT settings are applied by
    /// connecting again (the old connection says `offline` as a shutdown would); a new base
    /// topic clears the retained state under the old one and publishes under the new one; a
    /// new device id, prefix, discovery form or switch moves or clears the discovery on the
    /// broker (`DiscoveryPlan`); a new health interval restarts the ticker.
    /// - Parameters:
    ///   - configuration: must be valid (`GatewayConfiguration.validate`); an invalid one is
    ///     logged and ignored.
    ///   - mqtt: the MQTT settings, their last will the new base topic's `offline`.
    public func reconfigure(_ configuration: GatewayConfiguration, mqtt: MQTTConfiguration) {
        pendingReconfiguration.withLock { $0 = (configuration, mqtt) }
        _ = try? process.send(cid, .scalar(ScalarMessage(id: GatewayOpcode.reconfigure.rawValue)))
    }

    private func reconfigure(_ new: GatewayConfiguration, _ newMQTT: MQTTConfiguration) {
        do {
            try new.validate()
        } catch {
            logger.error("Reload: the new configuration is refused (\(error)); the running one stays")
            return
        }
        let old = config, oldTopics = topics
        let baseMoved = new.baseTopic != old.baseTopic
        let reconnect = baseMoved || newMQTT != mqtt.configuration
        let discoveryMoved = new.discoveryEnabled != old.discoveryEnabled || new.discoveryForm != old.discoveryForm
            || new.discoveryPrefix != old.discoveryPrefix || new.deviceID != old.deviceID
        config = new
        topics = Topics(new)
        configurationLock.withLock { $0 = new }

        if new.healthIntervalSeconds != old.healthIntervalSeconds {
            ticker?.setInterval(seconds: new.healthIntervalSeconds)
        }
        if reconnect {
            let oldServer = mqtt.configuration.serverURL
            abandonScan()
            // The old connection's goodbye, acknowledged before it ends (so the broker has
            // handled everything before it): `offline`, as at shutdown; or, when the state moved,
            // the old base's retained state cleared, since it would read as a second gateway.
            var goodbye = Self.will(for: old)
            if baseMoved {
                if state.mqttConnected {
                    for topic in oldTopics.retainedState + [oldTopics.discoveryRecord] where topic != oldTopics.bridgeState {
                        publish(topic, [UInt8](), retain: true)
                    }
                    logger.notice("Reload: the base topic moved from \(old.baseTopic) to \(new.baseTopic); the retained state under \(old.baseTopic)/ is cleared")
                }
                goodbye = MQTTMessage(topic: oldTopics.bridgeState, payload: [], qos: 1, retain: true)
                movedBridgeState = oldTopics.bridgeState
            }
            mqtt.stop(finalMessage: goodbye, timeout: 1.0)
            state.mqttConnected = false
            state.mqttSince = .now
            do {
                mqtt = try MQTTClient(configuration: newMQTT, logger: Logger(label: "mqtt"))
                try startMQTT()
            } catch {
                // Checked before it came here; should it still fail, say so and keep trying
                // nothing else: gatewayd runs on without a broker until the next reload.
                logger.critical("Reload: cannot start the MQTT client with the new settings: \(error)")
            }
            state.mqttServer = newMQTT.serverURL
            // Another broker keeps its own discovery, and this run published none there yet.
            if newMQTT.serverURL != oldServer { publishedDiscovery = [] }
            needsDiscoveryScan = true
            logger.notice("Reload: connecting to \(newMQTT.serverURL) with the new MQTT settings")
            return
        }
        if new.homeAssistantStatusTopic != old.homeAssistantStatusTopic || new.discoveryEnabled != old.discoveryEnabled {
            if old.discoveryEnabled { mqtt.unsubscribe(oldTopics.homeAssistantStatus) }
            if new.discoveryEnabled { mqtt.subscribe(topics.homeAssistantStatus, qos: 1) }
        }
        if discoveryMoved {
            abandonScan()
            needsDiscoveryScan = true
            if state.mqttConnected { startScan() }
            logger.notice("Reload: moving the discovery on the broker to the new settings")
        }
    }

    // MARK: Shutdown

    private func beginShutdown() {
        guard !queue.stopping else { return }
        logger.info("Shutting down")
        apply(queue.handle(.shutdown))
    }
}

/// A control request waiting for its answer, and where the answer goes.
struct PendingControl {
    enum Origin {
        /// From `<base>/control`; the response is published with the transaction.
        case topic(transaction: [UInt8]?, replyTo: ResponseAddress?)
        /// From the control socket; the caller is parked in its MutableBorrow.
        case socket(HeldReply)
    }

    let command: ControlCommand
    let origin: Origin
}

/// Where an MQTT 5 request asked its answer to go: its Response Topic, with its Correlation Data.
struct ResponseAddress {
    let topic: String
    let correlationData: [UInt8]?
}

/// How a control request ended: the answer's `data` as text, or why not.
enum ControlOutcome {
    case ok([UInt8])
    case error(String)
}

/// A control socket caller's envelope, kept by the main server until its answer is known
/// (dropping the envelope is what releases the caller).
final class HeldReply {
    private var envelope: MessageEnvelope?

    init(_ envelope: consuming MessageEnvelope) { self.envelope = .some(envelope) }

    /// Writes `reply` into the caller's buffer and releases it; only the first call counts.
    func reply(_ reply: ControlSocketReply) {
        guard var envelope = envelope.take() else { return }
        do {
            try envelope.reply(encoding: reply)
        } catch {
            try? envelope.reply(encoding: ControlSocketReply(ok: false, body: Array("the answer does not fit in the reply buffer".utf8)))
        }
    }
}
