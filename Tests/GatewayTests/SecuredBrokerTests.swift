#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import MQTT
import TestHarness
import Testing

/// The repository's `config/` directory.
private let committedConfig = repositoryRoot + "/config"

/// A real mosquitto running config/mosquitto.conf, config/mosquitto.acl and (with `tls`)
/// config/mosquitto-tls.conf as they are committed, laid out in a temporary directory as the
/// eclipse-mosquitto:2 image lays out /mosquitto: `config/` (the ACL, the password file,
/// `conf.d/` with the TLS file), `data/` and `certs/` (made by `TestCertificates`).
///
/// Only two kinds of line are rewritten: `listener` (a free port, bound to 127.0.0.1) and the
/// settings in `pathKeys`, whose `/mosquitto/` prefix becomes the temporary directory. Every
/// other line, `log_dest stderr` included (the broker's stderr is its log file here), is run
/// verbatim; the test `onlyPortsAndPathsRewritten` checks that on the files mosquitto reads.
final class SecuredBroker {
    /// Listeners of the committed configuration.
    enum Listener: String, Sendable, CaseIterable {
        /// `listener 1883` of mosquitto.conf.
        case plain
        /// `listener 8883` of mosquitto-tls.conf.
        case tls
    }

    /// The password file's users: the two the ACL names, and one it does not.
    static let users: [(name: String, password: String)] = [
        ("gatewayd", "gatewayd-test-password"),
        ("homeassistant", "homeassistant-test-password"),
        ("visitor", "visitor-test-password"),
    ]
    /// Settings whose value is a path under /mosquitto/, moved into the temporary directory.
    static let pathKeys: Set<String> = [
        "password_file", "acl_file", "persistence_location", "include_dir", "cafile", "certfile", "keyfile",
    ]

    let broker: MosquittoBroker
    /// The TLS listener's port (0 without TLS).
    let tlsPort: Int
    /// The CA and server certificate the TLS listener uses (nil without TLS).
    let certificates: TestCertificates?
    /// Where the temporary directory stands for /mosquitto.
    var root: String { broker.directory }

    /// Lays the committed files out, rewritten, and starts mosquitto on them.
    /// - Parameter tls: false runs mosquitto.conf alone, with config/conf.d as committed and no
    ///   certificate anywhere.
    init(tls: Bool = true) throws {
        broker = try MosquittoBroker(start: false)
        var tlsPort = 0
        while tls, tlsPort == 0 || tlsPort == broker.port { tlsPort = try MosquittoBroker.freeLoopbackPort() }
        self.tlsPort = tlsPort
        for directory in ["config", "config/conf.d", "data"] { try broker.makeDirectory(directory) }
        for name in directoryEntries(committedConfig + "/conf.d") {
            try broker.writeFile("config/conf.d/" + name, contents: Self.committed("conf.d/" + name))
        }
        try broker.writeFile("config/mosquitto.acl", contents: Self.committed("mosquitto.acl"))
        try broker.writePasswordFile("config/mosquitto.passwd", users: Self.users)
        if tls {
            certificates = try TestCertificates(directory: broker.makeDirectory("certs"))
            try broker.writeFile(
                "config/conf.d/mosquitto-tls.conf",
                contents: Self.rewrite(Self.committed("mosquitto-tls.conf"), port: tlsPort, root: broker.directory))
        } else {
            certificates = nil
        }
        try broker.setConfiguration(
            Self.rewrite(Self.committed("mosquitto.conf"), port: broker.port, root: broker.directory),
            alsoWaitingFor: tls ? [tlsPort] : [])
        try broker.start()
    }

    /// The committed file config/`name`; a failure when it is missing or empty.
    static func committed(_ name: String) throws -> String {
        let text = readTextFile(committedConfig + "/" + name)
        guard !text.isEmpty else { throw MosquittoBroker.Failure(description: "cannot read \(committedConfig)/\(name)") }
        return text
    }

    /// The setting a configuration line holds (its first word), nil for comments and blank lines.
    static func key(_ line: Substring) -> Substring? {
        line.hasPrefix("#") ? nil : line.split(separator: " ").first
    }

    /// `text` with each `listener` line on `port` of 127.0.0.1 and each path setting under `root`.
    static func rewrite(_ text: String, port: Int, root: String) throws -> String {
        let prefix = "/mosquitto/"
        return try text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard let key = key(line) else { return String(line) }
            if key == "listener" { return "listener \(port) 127.0.0.1" }
            guard pathKeys.contains(String(key)) else { return String(line) }
            let value = line.dropFirst(key.count + 1)
            guard value.hasPrefix(prefix) else {
                throw MosquittoBroker.Failure(description: "\(key) is not under \(prefix), where the image mounts it: \(line)")
            }
            return "\(key) \(root)/\(value.dropFirst(prefix.count))"
        }.joined(separator: "\n")
    }

    /// A client of this broker on `listener`, logged in as `user` with `password` (by default
    /// the user's own), or anonymous when `user` is nil; it trusts the test CA.
    func client(
        _ name: String, on listener: Listener, user: String?, password: String? = nil,
        subscribeTo topic: String = "#", mustConnect: Bool = true
    ) throws -> Observer {
        try Observer(broker: broker, name: name, subscribeTo: topic, mustConnect: mustConnect) {
            if listener == .tls {
                $0.port = tlsPort
                $0.tls = MQTTTLS(caFile: certificates?.caCertificate)
            }
            $0.username = user
            $0.password = password ?? Self.users.first { $0.name == user }?.password
            $0.reconnectDelayInitial = 0.1
            $0.reconnectDelayMax = 0.3
        }
    }

    /// gatewayd over TLS as user gatewayd, with `password` (by default the right one) in a file,
    /// as a user runs it beside this broker.
    func gateway(password: String? = nil, logName: String = "gatewayd.log") throws -> GatewayProcess {
        let file = try broker.writeFile("gatewayd.password", contents: (password ?? Self.users[0].password) + "\n")
        return try GatewayProcess(
            broker: broker,
            ["--mqtt-ca", certificates?.caCertificate ?? "", "--mqtt-user", "gatewayd", "--mqtt-password-file", file,
             "--sim-interval-ms", "200"],
            server: "mqtts://127.0.0.1:\(tlsPort)", logName: logName)
    }
}

/// The committed Mosquitto configuration (config/), run as it is by a real mosquitto, with the
/// real gatewayd and real MQTT clients on both of its listeners.
@Suite("a locked-down mosquitto running the committed config/ files", .serialized)
struct SecuredBrokerTests {
    let bridgeState = "wifi-gateway/bridge/state"
    let wlanState = "wifi-gateway/wlan/state"
    let control = "wifi-gateway/control"
    let response = "wifi-gateway/control/response"
    let refused = "connection refused: not authorised"

    @Test("mosquitto.conf as committed starts with no certificate present, and lets a user log in")
    func startsWithoutCertificates() throws {
        let shipped = directoryEntries(committedConfig + "/conf.d")
        #expect(!shipped.isEmpty, "config/conf.d must exist with a file in it, or include_dir stops mosquitto")
        #expect(shipped.allSatisfy { !$0.hasSuffix(".conf") }, "config/conf.d ships \(shipped), which mosquitto loads")
        let secured = try SecuredBroker(tls: false)
        #expect(access(secured.root + "/certs", F_OK) != 0)
        // One listener, the plain one; and it works.
        #expect(secured.broker.logTail(maxBytes: 100_000).ranges(of: "Opening ipv4 listen socket on port").count == 1)
        let user = try secured.client("homeassistant", on: .plain, user: "homeassistant")
        #expect(user.recorder.connects == 1)
    }

    @Test("mosquitto runs the committed files with only listener ports and /mosquitto/ paths changed")
    func onlyPortsAndPathsRewritten() throws {
        let secured = try SecuredBroker()
        let running = readTextFile(secured.broker.configurationPath)
        let privilege = MosquittoBroker.privilegeLines.map { $0 + "\n" }.joined()
        #expect(running.hasPrefix(privilege))
        let files = [
            ("mosquitto.conf", String(running.dropFirst(privilege.count)), secured.broker.port),
            ("mosquitto-tls.conf", readTextFile(secured.root + "/config/conf.d/mosquitto-tls.conf"), secured.tlsPort),
            ("mosquitto.acl", readTextFile(secured.root + "/config/mosquitto.acl"), 0),
        ]
        var rewrittenKeys: Set<String> = []
        for (name, text, port) in files {
            let committed = try SecuredBroker.committed(name).split(separator: "\n", omittingEmptySubsequences: false)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == committed.count, "\(name): \(lines.count) lines run, \(committed.count) committed")
            for (original, line) in zip(committed, lines) where original != line {
                let key = SecuredBroker.key(original).map(String.init) ?? ""
                rewrittenKeys.insert(key)
                #expect(SecuredBroker.key(line) == SecuredBroker.key(original), "\(name): '\(original)' became '\(line)'")
                if key == "listener" {
                    #expect(line == "listener \(port) 127.0.0.1", "\(name)")
                } else {
                    #expect(SecuredBroker.pathKeys.contains(key), "\(name): '\(original)' is not a path but became '\(line)'")
                    #expect(line.hasPrefix("\(key) \(secured.root)/") && original.hasPrefix("\(key) /mosquitto/"), "\(name): \(line)")
                }
            }
        }
        // Every listener and path of the committed files was moved (else mosquitto would have
        // looked in /mosquitto or opened a public port), and nothing else was touched.
        #expect(rewrittenKeys == SecuredBroker.pathKeys.union(["listener"]))
    }

    @Test("anonymous, wrong-password and unknown users are refused; the right login is admitted",
          arguments: SecuredBroker.Listener.allCases)
    func refusals(listener: SecuredBroker.Listener) throws {
        let secured = try SecuredBroker()
        let attempts = [
            try secured.client("anonymous", on: listener, user: nil, mustConnect: false),
            try secured.client("wrong-password", on: listener, user: "gatewayd", password: "not-the-password", mustConnect: false),
            // Another user's right password does not make an unknown user.
            try secured.client("wrong-user", on: listener, user: "nobody", password: SecuredBroker.users[1].password, mustConnect: false),
        ]
        // The listener itself works: the refusals are about the credentials.
        let admitted = try secured.client("admitted", on: listener, user: "gatewayd", subscribeTo: "wifi-gateway/control")
        #expect(admitted.recorder.connects == 1)
        for attempt in attempts {
            // Refused, retried, refused again: never in, and the broker says why.
            #expect(attempt.recorder.wait { $0.reasons.count >= 2 }, "\(attempt.recorder.reasons)")
            let events = attempt.recorder.snapshot
            #expect(events.connects == 0)
            #expect(!events.reasons.isEmpty && events.reasons.allSatisfy { $0 == refused }, "\(events.reasons)")
            #expect(!attempt.client.isConnected)
        }
    }

    /// A secured broker, Home Assistant watching "#" over TLS, and gatewayd over TLS, which it
    /// has seen come online.
    private func onlineGateway() throws -> (SecuredBroker, Observer, GatewayProcess) {
        let secured = try SecuredBroker()
        let homeAssistant = try secured.client("homeassistant", on: .tls, user: "homeassistant")
        let gateway = try secured.gateway()
        #expect(homeAssistant.waitFor(bridgeState) { $0["state"] == "online" })
        return (secured, homeAssistant, gateway)
    }

    @Test("gatewayd logs in over TLS and publishes online and Wi-Fi updates that Home Assistant reads over TLS")
    func gatewayOverTLS() throws {
        let (secured, homeAssistant, gateway) = try onlineGateway()
        defer { gateway.kill(SIGTERM) }
        #expect(homeAssistant.payloads(bridgeState).first == #"{"state":"online"}"#)
        #expect(homeAssistant.waitFor(wlanState, count: 3))
        #expect(homeAssistant.documents(wlanState).allSatisfy { $0["link_state"]?.stringValue != nil })
        // The ACL lets gatewayd publish its retained discovery config and read back what the
        // broker keeps of it (the scan ends with its marker, not its time-out).
        #expect(homeAssistant.waitFor("homeassistant/device/testdev/config"))
        #expect(homeAssistant.waitFor("wifi-gateway/bridge/discovery"))
        #expect(!gateway.log.contains("did not give back"), "\(gateway.log.suffix(2000))")
        #expect(gateway.log.contains("MQTT: connected to 127.0.0.1:\(secured.tlsPort)"), "\(gateway.log.suffix(2000))")
        #expect(secured.broker.logTail(maxBytes: 100_000).contains("u'gatewayd')"))
    }

    @Test("Home Assistant cannot forge gatewayd's state topics, but its request on the control topic is answered",
          arguments: SecuredBroker.Listener.allCases)
    func homeAssistantCannotForgeState(listener: SecuredBroker.Listener) throws {
        let (secured, watcher, gateway) = try onlineGateway()
        defer { gateway.kill(SIGTERM) }
        #expect(watcher.waitFor(wlanState))

        let forger = try secured.client("forger", on: listener, user: "homeassistant", subscribeTo: response)
        let forged = #"{"state":"offline","link_state":"forged"}"#
        try forger.client.publish(MQTTMessage(topic: bridgeState, payload: Array(forged.utf8), qos: 1, retain: true))
        try forger.publish(wlanState, forged)
        try forger.publish(control, #"{"command":"status","transaction":"forger"}"#)
        // The broker handles one client's messages in order: once gatewayd has answered the
        // request, the two before it were delivered, had they been allowed.
        #expect(forger.waitFor(response) { $0["transaction"] == "forger" && $0["status"] == "ok" })
        #expect(watcher.waitFor(response) { $0["transaction"] == "forger" })
        pause(0.2)
        #expect(!watcher.payloads(bridgeState).contains(forged))
        #expect(!watcher.payloads(wlanState).contains(forged))
        #expect(watcher.payloads(control) == [#"{"command":"status","transaction":"forger"}"#])
        // Nor did the forged retained message replace gatewayd's.
        let late = try secured.client("late", on: .plain, user: "homeassistant", subscribeTo: bridgeState)
        #expect(late.waitFor(bridgeState))
        #expect(late.payloads(bridgeState) == [#"{"state":"online"}"#])
    }

    @Test("a user the ACL does not name logs in but reads and writes nothing")
    func unnamedUserGetsNothing() throws {
        let (secured, watcher, gateway) = try onlineGateway()
        defer { gateway.kill(SIGTERM) }

        let visitor = try secured.client("visitor", on: .tls, user: "visitor")
        let updatesBefore = watcher.payloads(wlanState).count
        try visitor.publish(control, #"{"command":"status","transaction":"visitor"}"#)
        try visitor.publish(wlanState, #"{"link_state":"forged"}"#)
        pause(0.3)
        try watcher.publish(control, #"{"command":"status","transaction":"homeassistant"}"#)
        #expect(watcher.waitFor(response) { $0["transaction"] == "homeassistant" })
        pause(0.2)
        // Meanwhile gatewayd went on publishing, which the visitor's "#" would have matched.
        #expect(watcher.payloads(wlanState).count > updatesBefore)
        #expect(visitor.recorder.connects == 1)
        #expect(visitor.allMessages.isEmpty, "\(visitor.allMessages)")
        #expect(watcher.documents(response).map { $0["transaction"] } == ["homeassistant"])
        #expect(watcher.payloads(control) == [#"{"command":"status","transaction":"homeassistant"}"#])
        #expect(!watcher.payloads(wlanState).contains(#"{"link_state":"forged"}"#))
    }

    @Test("gatewayd with a wrong password keeps retrying, publishes nothing, and gets in with the right one")
    func gatewayWithWrongPassword() throws {
        let secured = try SecuredBroker()
        let watcher = try secured.client("watcher", on: .tls, user: "homeassistant")
        let wrong = try secured.gateway(password: "not-the-password")
        let refusal = "MQTT: \(refused)"
        #expect(eventually(timeout: 6) { wrong.log.ranges(of: refusal).count >= 3 }, "\(wrong.log.suffix(2000))")
        #expect(wrong.waitForExit(timeout: 0) == nil, "gatewayd gave up: \(wrong.log.suffix(2000))")
        #expect(!wrong.log.contains("MQTT: connected"))
        #expect(watcher.allMessages.isEmpty, "\(watcher.allMessages)")
        wrong.kill(SIGTERM)
        #expect(wrong.waitForExit(timeout: 5) != nil)

        // The same flags with the right password do get in: the refusal was the password's.
        let right = try secured.gateway(logName: "gatewayd-right.log")
        defer { right.kill(SIGTERM) }
        #expect(watcher.waitFor(bridgeState) { $0["state"] == "online" })
    }
}
