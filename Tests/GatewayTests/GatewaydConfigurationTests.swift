#if canImport(Glibc)
import Glibc
#endif
import GatewayControl
import TestJSON
import TestHarness
import Testing
import SystemSupport

/// gatewayd's settings as a user gives them: the YAML file, GATEWAY_* variables and flags.
@Suite("gatewayd configuration", .serialized)
struct GatewaydConfigurationTests {
    static let root = repositoryRoot

    /// Runs gatewayd to its end with `arguments` and `environment` added to this process's.
    func gatewayd(_ arguments: [String], environment: [String: String] = [:], in directory: String) throws
        -> (status: Int32?, stdout: String, stderr: String)
    {
        let out = directory + "/check-\(arguments.count)-\(environment.count).out", err = out + ".err"
        let pid = try MosquittoBroker.spawn(
            [GatewayProcess.executable] + arguments, output: out, errorOutput: err,
            environment: ProcessEnvironment.current().merging(environment) { $1 })
        let status = waitForChild(pid, timeout: 10)
        if status == nil { kill(pid, SIGKILL) }
        return (status, readTextFile(out), readTextFile(err))
    }

    @Test("--check-config accepts config/gatewayd.yaml and prints every key with its origin")
    func checkExample() throws {
        let broker = try MosquittoBroker(start: false)
        let result = try gatewayd(["--config", Self.root + "/config/gatewayd.yaml", "--check-config"], in: broker.directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("configuration OK (file \(Self.root)/config/gatewayd.yaml)"))
        #expect(result.stdout.contains("mqtt.server                    = mqtt://127.0.0.1:1883  [\(Self.root)/config/gatewayd.yaml:"))
        #expect(result.stdout.contains("mqtt.client_id"))
        #expect(result.stdout.contains("[computed default]"))
        #expect(result.stdout.split(separator: "\n").count == 28, "one line per key (27) and a heading")
        // Nothing was started: no control socket appeared anywhere near.
        #expect(!result.stderr.contains("Control socket"))
    }

    @Test("a bad file stops gatewayd with status 78, naming the file, the line and each key")
    func badFile() throws {
        let broker = try MosquittoBroker()
        let file = try broker.writeFile("bad.yaml", contents: """
            mqtt:
              server: mqtt://127.0.0.1:\(broker.port)
              keepalvie: 30
              keepalive: sixty
            homeassistant:
              enabled: maybe
            base_topic: x
            """)
        for extra in [[], ["--check-config"]] {
            let result = try gatewayd(["--config", file, "--control-socket", broker.directory + "/gw.sock"] + extra, in: broker.directory)
            #expect(result.status == 78)
            #expect(result.stderr.contains("\(file):3: mqtt.keepalvie: unknown key; did you mean mqtt.keepalive?"), "\(result.stderr)")
            #expect(result.stderr.contains("\(file):4: mqtt.keepalive: expected a whole number from 0 to 65535, got 'sixty'"))
            #expect(result.stderr.contains("\(file):6: homeassistant.enabled: expected true or false, got 'maybe'"))
            #expect(result.stderr.contains("\(file):7: base_topic: unknown key; did you mean mqtt.base_topic?"))
            #expect(result.stdout.isEmpty)
        }
        // It never got as far as the broker or the socket.
        #expect(UnixSocket.fileInfo(broker.directory + "/gw.sock") == nil)
        #expect(!readTextFile(broker.logPath).contains("New client connected"))

        let semantic = try broker.writeFile("semantic.yaml", contents: "mqtt:\n  server: tcp://x\n  ca: /nonexistent/ca.crt\n")
        let result = try gatewayd(["--config", semantic, "--check-config"], in: broker.directory)
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(semantic):3: mqtt.ca: cannot read '/nonexistent/ca.crt'"), "\(result.stderr)")
        let missing = try gatewayd(["--config", broker.directory + "/absent.yaml"], in: broker.directory)
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("\(broker.directory)/absent.yaml: cannot read the configuration file: No such file or directory"))
        let url = try gatewayd(["--mqtt-server", "tcp://x", "--check-config"], in: broker.directory)
        #expect(url.status == 78)
        #expect(url.stderr.contains("--mqtt-server: mqtt.server: invalid MQTT server URL: unsupported scheme"), "\(url.stderr)")
    }

    @Test("the file, GATEWAY_* variables and flags reach the broker in the right precedence")
    func precedenceEndToEnd() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let file = try broker.writeFile("gatewayd.yaml", contents: """
            device_id: from-file
            mqtt:
              base_topic: file-base
            homeassistant:
              discovery_prefix: file-discovery
            source:
              interval_ms: 100
            """)
        // The file alone, except for what the environment overrides.
        let first = try GatewayProcess(broker: broker, [], logName: "first.log",
                                       environment: ["GATEWAY_CONFIG": file, "GATEWAY_MQTT_BASE_TOPIC": "env-base", "GATEWAY_UNRELATED": "x"])
        #expect(watcher.waitFor("env-base/bridge/state") { $0["state"] == "online" })
        #expect(watcher.waitFor("env-base/wlan/state", count: 2))
        #expect(watcher.allMessages.contains { $0.topic == "file-discovery/device/testdev/config" },
                "--device-id testdev (a flag) beats device_id from-file")
        #expect(!watcher.allMessages.contains { $0.topic.hasPrefix("file-base/") })
        // A variable that names no setting is pointed out, and does not stop gatewayd.
        #expect(first.log.contains("warning: environment GATEWAY_UNRELATED: not a gatewayd setting, ignored"))
        first.kill(SIGTERM)
        #expect(first.waitForExit(timeout: 5) == 0)

        // A flag beats both.
        let second = try GatewayProcess(broker: broker, ["--config", file, "--base-topic", "flag-base"], logName: "second.log",
                                        environment: ["GATEWAY_MQTT_BASE_TOPIC": "env-base"])
        defer { second.kill(SIGTERM) }
        #expect(watcher.waitFor("flag-base/bridge/state") { $0["state"] == "online" })
    }

    @Test("--source linux publishes this host's interface; a missing one is unknown and logged")
    func linuxSource() throws {
        let broker = try MosquittoBroker()
        let watcher = try Observer(broker: broker)
        let loopback = try GatewayProcess(broker: broker, ["--source", "linux", "--interface", "lo"], logName: "lo.log")
        #expect(watcher.waitFor("wifi-gateway/wlan/state") {
            $0["link_state"] == "unknown" && $0["ipv4"]?["address"] == "127.0.0.1" && $0["ipv4"]?["netmask"] == "255.0.0.0"
                && $0["ipv4"]?["dhcp"] == "bound" && $0["ssid"] == .null
        })
        #expect(loopback.log.contains("Interface lo is not a wireless interface; reporting link state unknown"))
        loopback.kill(SIGTERM)
        #expect(loopback.waitForExit(timeout: 5) == 0)

        let missing = try GatewayProcess(broker: broker, ["--source", "linux", "--interface", "nosuch0"], logName: "missing.log")
        defer { missing.kill(SIGTERM) }
        #expect(eventually(timeout: 5) { missing.log.contains("Wi-Fi interface nosuch0 not found; reporting link state unknown until it appears") })
        #expect(watcher.waitFor("wifi-gateway/wlan/state") { $0["link_state"] == "unknown" && $0["ipv4"]?["address"] == "0.0.0.0" })
        let bad = try gatewayd(["--source", "linux", "--interface", "../etc", "--check-config"], in: broker.directory)
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("--interface: source.interface: '../etc' is not an interface name"), "\(bad.stderr)")
    }

    @Test("the password works and appears nowhere: logs, topics, status, gatewayctl, --check-config")
    func passwordNeverShown() throws {
        let password = "pw-\(getpid())-Zq8x"
        let broker = try MosquittoBroker(extraConfiguration: ["allow_anonymous false"], start: false)
        let passwords = try broker.writePasswordFile(user: "gw", password: password)
        try broker.setExtraConfiguration(["allow_anonymous false", "password_file \(passwords)"])
        try broker.start()
        let watcher = try Observer(broker: broker) { $0.username = "gw"; $0.password = password }
        let gateway = try GatewayProcess(
            broker: broker, ["--sim-interval-ms", "50", "--health-interval-s", "1"],
            environment: ["GATEWAY_MQTT_USER": "gw", "GATEWAY_MQTT_PASSWORD": password])
        defer { gateway.kill(SIGTERM) }
        #expect(watcher.waitFor("wifi-gateway/bridge/state") { $0["state"] == "online" })
        #expect(watcher.waitFor("wifi-gateway/bridge/health", count: 2, timeout: 5))
        try watcher.publish("wifi-gateway/control", "status")
        #expect(watcher.waitFor("wifi-gateway/control/response", count: 1))

        let ctl = Gatewayctl(gateway, directory: broker.directory)
        var seen = [gateway.log] + watcher.allMessages.map { "\($0.topic) \($0.payload)" }
        for command in [["status"], ["status", "--json"]] {
            let result = try ctl.run(command)
            #expect(result.status == 0)
            seen += [result.stdout, result.stderr]
        }
        let check = try gatewayd(["--check-config"], environment: ["GATEWAY_MQTT_USER": "gw", "GATEWAY_MQTT_PASSWORD": password],
                                 in: broker.directory)
        #expect(check.status == 0)
        #expect(check.stdout.contains("mqtt.password                  = (set, hidden)  [environment GATEWAY_MQTT_PASSWORD]"))
        seen += [check.stdout, check.stderr]
        // A password in the file, with an error elsewhere: the error output does not quote it either.
        let file = try broker.writeFile("with-password.yaml", contents: "mqtt:\n  user: gw\n  password: \(password)\n  keepalive: 2\n")
        let refused = try gatewayd(["--config", file, "--check-config"], in: broker.directory)
        #expect(refused.status == 78)
        seen += [refused.stdout, refused.stderr]
        for text in seen {
            #expect(!text.contains(password), "the password leaked: \(text.prefix(300))")
        }
        #expect(gateway.log.contains("MQTT connected"))
    }
}
