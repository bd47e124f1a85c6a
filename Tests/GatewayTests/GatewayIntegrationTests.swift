#if canImport(Glibc)
import Glibc
#endif
import Gateway
import TestJSON
import NetServer
import TestHarness
import Testing
import SystemSupport

/// gatewayd against a real mosquitto on a free loopback port, watched by an independent client.
@Suite("gatewayd end to end", .serialized)
struct GatewayIntegrationTests {
    let base = "wifi-gateway"
    var bridgeState: String { "\(base)/bridge/state" }
    var wlanState: String { "\(base)/wlan/state" }
    var control: String { "\(base)/control" }
    var response: String { "\(base)/control/response" }
    var subscription: String { "\(base)/bridge/subscription" }

    @Test("online is retained, and the last will says offline when gatewayd is killed")
    func onlineRetainedAndWill() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "200"])
        #expect(watcher.waitFor(bridgeState) { $0["state"] == "online" })

        // A client that arrives later still learns the gateway is online: the state is retained.
        let late = try Observer(broker: broker, name: "late")
        #expect(late.waitFor(bridgeState, timeout: 3) { $0["state"] == "online" })

        gateway.kill(SIGKILL)
        #expect(watcher.waitFor(bridgeState, timeout: 5) { $0["state"] == "offline" })
        let after = try Observer(broker: broker, name: "after")
        #expect(after.waitFor(bridgeState, timeout: 3) { $0["state"] == "offline" })
        #expect(after.documents(bridgeState).last?["state"] == "offline")
    }

    @Test("every update of the simulated scenario arrives once, in order, with every field right")
    func everyUpdateInOrder() throws {
        let broker = try MosquittoBroker()
        let scenarioText = """
            link=disconnected delay_ms=700
            link=connecting ssid="Xous Net" rssi=-60 delay_ms=60
            link=connected rssi=-52 dhcp=bound mac=02:00:5e:10:00:01 address=192.168.1.23 gateway=192.168.1.1 netmask=255.255.255.0 dns1=192.168.1.1 dns2=8.8.8.8 delay_ms=60
            rssi=-55 delay_ms=60
            rssi=-61 delay_ms=60
            link=wfx_error delay_ms=60
            link=disconnected ssid=none ipv4=none delay_ms=60
            link=connected ssid="café ☕" rssi=-40 dhcp=renewing address=10.0.0.9 delay_ms=60
            """
        let path = try broker.writeFile("scenario.txt", contents: scenarioText)
        let scenario = try WifiScenario.parse(scenarioText, source: path, defaultIntervalMs: 60)
        let watcher = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--scenario", path])
        defer { gateway.kill(SIGTERM) }

        let expectedCount = 1 + scenario.steps.count
        #expect(watcher.waitFor(wlanState, count: expectedCount, timeout: 10))
        pause(0.3)
        let documents = watcher.documents(wlanState)
        #expect(documents.count == expectedCount)
        #expect(documents.map { $0["seq"]?.intValue } == (1...expectedCount).map { $0 })
        // The first is the net server's state before the source said anything.
        #expect(documents.first?["link_state"] == "unknown")
        for (document, step) in zip(documents.dropFirst(), scenario.steps) {
            let expected = try JSONValue.parse(WlanStatePayload.bytes(step.status, seq: document["seq"]?.intValue ?? 0, receivedAt: .now))
            for field in ["link_state", "link_state_code", "connected", "ssid", "rssi_dbm", "ipv4"] {
                #expect(document[field] == expected[field], "\(field) of seq \(document["seq"]?.intValue ?? 0)")
            }
            let receivedAt = document["received_at"]?.stringValue ?? ""
            #expect(receivedAt.count == 24 && receivedAt.hasSuffix("Z"), "\(receivedAt)")
        }
        #expect(documents.last?["ssid"] == "café ☕")
    }

    @Test("control: subscribe, unsubscribe and status each get one response, idempotently")
    func controlCommands() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "100"])
        defer { gateway.kill(SIGTERM) }
        #expect(watcher.waitFor(subscription) { $0["state"] == "subscribed" })
        var requests = 0

        try watcher.publish(control, #"{"command":"status","transaction":{"id":42}}"#)
        requests += 1
        #expect(watcher.waitFor(response, count: requests))
        let status = try #require(watcher.documents(response).last)
        #expect(status["command"] == "status")
        #expect(status["status"] == "ok")
        #expect(status["transaction"] == ["id": 42])
        #expect(status["data"]?["subscription"] == "subscribed")
        #expect(status["data"]?["mqtt"]?["connected"] == true)
        #expect(status["data"]?["device_id"] == "testdev")

        try watcher.publish(control, "unsubscribe")
        requests += 1
        #expect(watcher.waitFor(response, count: requests))
        #expect(watcher.documents(response).last?["status"] == "ok")
        #expect(watcher.documents(response).last?["data"]?["subscription"] == "unsubscribed")
        #expect(watcher.waitFor(subscription) { $0["state"] == "unsubscribed" })
        let subscriptionMessages = watcher.payloads(subscription).count

        // Unsubscribed: no more updates are published.
        pause(0.3)
        let quiet = watcher.payloads(wlanState).count
        pause(0.5)
        #expect(watcher.payloads(wlanState).count == quiet)

        try watcher.publish(control, #"{"command":"unsubscribe","transaction":"again"}"#)
        requests += 1
        #expect(watcher.waitFor(response, count: requests))
        #expect(watcher.documents(response).last?["status"] == "ok")
        #expect(watcher.documents(response).last?["transaction"] == "again")
        pause(0.2)
        #expect(watcher.payloads(subscription).count == subscriptionMessages, "an idempotent unsubscribe changed the state")

        try watcher.publish(control, "subscribe")
        requests += 1
        #expect(watcher.waitFor(response, count: requests))
        #expect(watcher.documents(response).last?["data"]?["subscription"] == "subscribed")
        #expect(watcher.waitFor(subscription, count: subscriptionMessages + 1))
        #expect(watcher.waitFor(wlanState, count: quiet + 1, timeout: 3), "updates resume after subscribe")

        try watcher.publish(control, "subscribe")
        requests += 1
        #expect(watcher.waitFor(response, count: requests))
        #expect(watcher.documents(response).last?["status"] == "ok")
        pause(0.3)
        #expect(watcher.payloads(response).count == requests)
    }

    @Test("every malformed control request gets exactly one error response saying what was expected")
    func malformedControl() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "1000"])
        defer { gateway.kill(SIGTERM) }
        #expect(watcher.waitFor(bridgeState) { $0["state"] == "online" })

        let cases: [(payload: [UInt8], fragment: String)] = [
            (Array("reboot".utf8), "unknown command"),
            ([], "unknown command"),
            ([0x73, 0x75, 0x62, 0xC3, 0x28], "not valid UTF-8"),
            ([0xFF, 0xFE, 0x00], "not valid UTF-8"),
            (Array(#"{"command":"status""#.utf8), "invalid JSON"),
            (Array(#"{"command":"status",}"#.utf8), "invalid JSON"),
            (Array(#"{"transaction":5}"#.utf8), "missing \"command\""),
            (Array(#"{"command":["status"]}"#.utf8), "must be a string"),
            (Array(#"{"command":"explode","transaction":"t"}"#.utf8), "unknown command 'explode'"),
            (Array(("{" + String(repeating: "[", count: 2000)).utf8), "at most 1024"),
            (Array(repeating: UInt8(ascii: "a"), count: 1 << 20), "at most 1024"),
        ]
        for (index, item) in cases.enumerated() {
            try watcher.publish(control, item.payload)
            #expect(watcher.waitFor(response, count: index + 1, timeout: 5), "no response to case \(index)")
            let answer = watcher.documents(response).last
            #expect(answer?["status"] == "error", "case \(index)")
            let message = answer?["error"]?.stringValue ?? ""
            #expect(message.contains(item.fragment), "case \(index): \(message)")
            #expect(message.contains("expected"), "case \(index): \(message)")
        }
        pause(0.3)
        #expect(watcher.payloads(response).count == cases.count)
        // Still alive and well.
        try watcher.publish(control, "status")
        #expect(watcher.waitFor(response, count: cases.count + 1))
        #expect(watcher.documents(response).last?["status"] == "ok")
        #expect(watcher.documents(response).last?["data"]?["counters"]?["control_errors"] == .int(cases.count))
    }

    @Test("the push_subscription switch works both ways through its discovered topics")
    func switchEntity() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "500"])
        defer { gateway.kill(SIGTERM) }
        let configTopic = "homeassistant/device/testdev/config"
        #expect(watcher.waitFor(configTopic))
        let config = try #require(watcher.documents(configTopic).last?["cmps"]?["push_subscription"])
        let command = try #require(config["command_topic"]?.stringValue)
        let state = try #require(config["state_topic"]?.stringValue)
        let on = try #require(config["payload_on"]?.stringValue)
        let off = try #require(config["payload_off"]?.stringValue)
        let stateOn = try #require(config["state_on"])
        let stateOff = try #require(config["state_off"])
        #expect(watcher.waitFor(state) { $0["state"] == stateOn })

        // Counted, not matched: an "unsubscribed" from before the first subscribe completed may
        // already be in the record.
        let before = watcher.payloads(state).count
        try watcher.publish(command, off)
        #expect(watcher.waitFor(state, count: before + 1))
        #expect(watcher.documents(state).last?["state"] == stateOff)
        try watcher.publish(command, on)
        #expect(watcher.waitFor(state, count: watcher.payloads(state).count + 1))
        #expect(watcher.documents(state).last?["state"] == stateOn)
    }

    @Test("discovery is published for six entities, in either form, and again when Home Assistant comes online",
          arguments: DiscoveryForm.allCases)
    func discoveryOnBirth(form: DiscoveryForm) throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker, subscribeTo: "homeassistant/#")
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "1000", "--discovery-form", form.rawValue])
        defer { gateway.kill(SIGTERM) }
        let expected = Set(form == .device ? ["homeassistant/device/testdev/config"] : Discovery.objects.enumerated().map { index, object in
            "homeassistant/\(index == 4 ? "binary_sensor" : index == 5 ? "switch" : "sensor")/testdev/\(object)/config"
        })
        let configs = { watcher.allMessages.filter { $0.topic.hasSuffix("/config") } }
        let configCount = { (snapshot: EventRecorder.Snapshot) in snapshot.messages.filter { $0.topic.hasSuffix("/config") }.count }
        #expect(watcher.recorder.wait(timeout: 10) { configCount($0) >= expected.count })
        #expect(Set(configs().map(\.topic)) == expected)
        pause(0.3)
        #expect(configs().count == expected.count)

        try watcher.publish("homeassistant/status", "online")
        #expect(watcher.recorder.wait(timeout: 5) { configCount($0) >= 2 * expected.count })
        // Home Assistant going offline asks for nothing.
        try watcher.publish("homeassistant/status", "offline")
        pause(0.5)
        #expect(configs().count == 2 * expected.count)
    }

    @Test("with discovery switched off, nothing goes to homeassistant/")
    func discoveryOff() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "200", "--no-discovery"])
        defer { gateway.kill(SIGTERM) }
        #expect(watcher.waitFor(wlanState, count: 2))
        try watcher.publish("homeassistant/status", "online")
        pause(0.5)
        #expect(!watcher.allMessages.contains { $0.topic.hasPrefix("homeassistant/") && $0.topic != "homeassistant/status" })
    }

    @Test("no SID-shaped data in any topic, payload or log line")
    func noSIDAnywhere() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "50"])
        #expect(watcher.waitFor(wlanState, count: 10))
        for request in ["status", "unsubscribe", "subscribe", #"{"command":"status","transaction":1}"#, "junk"] {
            try watcher.publish(control, request)
        }
        #expect(watcher.waitFor(response, count: 5))
        try watcher.publish("homeassistant/status", "online")
        pause(0.5)
        gateway.kill(SIGTERM)
        #expect(gateway.waitForExit(timeout: 5) == 0)

        let messages = watcher.allMessages
        #expect(messages.count > 30)
        for message in messages {
            #expect(!looksLikeSID(message.topic + " " + message.payload), "\(message.topic): \(message.payload)")
        }
        let log = gateway.log
        #expect(log.contains("trace") || log.contains("debug") || log.contains("info"))
        for line in log.split(separator: "\n") {
            #expect(!looksLikeSID(String(line)), "log line: \(line)")
        }
        // The scan itself finds what it looks for.
        #expect(looksLikeSID("sid=9f8e7d6c5b4a39281706f5e4d3c2b1a0"))
        #expect(looksLikeSID("[4023233417, 2562383102, 271733878, 3285377520]"))
        #expect(looksLikeSID("SID(1, 2, 3, 4)"))
    }

    @Test("SIGTERM mid-stream: updates in order to the end, unsubscribe, offline last, socket removed, exit 0 within 2 s")
    func cleanShutdown() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "20"])
        #expect(watcher.waitFor(wlanState, count: 20))
        let start = MonotonicInstantNow()
        gateway.kill(SIGTERM)
        let status = gateway.waitForExit(timeout: 5)
        let seconds = MonotonicInstantNow() - start
        #expect(status == 0)
        #expect(seconds < 2, "took \(seconds) s")
        #expect(access(gateway.controlSocket, F_OK) != 0, "the control socket was left behind")
        #expect(watcher.waitFor(bridgeState, timeout: 3) { $0["state"] == "offline" })
        // Mid-stream: every update published up to the end arrived, in order, none missing.
        let seqs = watcher.documents(wlanState).compactMap { $0["seq"]?.intValue }
        #expect(seqs.count >= 20)
        if let first = seqs.first { #expect(seqs == Array(first..<(first + seqs.count)), "\(seqs)") }
        // offline is the last thing gatewayd said.
        #expect(watcher.allMessages.last?.topic == bridgeState, "\(watcher.allMessages.suffix(3))")
        let log = gateway.log
        // The unsubscribe handshake ran before the broker was told goodbye.
        let off = log.firstRange(of: "Wi-Fi push subscription off")
        let down = log.firstRange(of: "gatewayd down")
        #expect(off != nil && down != nil)
        if let off, let down { #expect(off.lowerBound < down.lowerBound) }
        // A clean disconnect suppresses the will, so offline came from gatewayd itself, once.
        pause(0.3)
        #expect(watcher.documents(bridgeState).filter { $0["state"] == "offline" }.count == 1)
    }
}

func MonotonicInstantNow() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
