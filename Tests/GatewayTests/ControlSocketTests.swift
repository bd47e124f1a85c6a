#if canImport(Glibc)
import Glibc
#endif
import GatewayJSON
import TestJSON
import GatewayControl
import Gateway
import TestHarness
import XousIPC
import Testing
import SystemSupport

/// gatewayctl against a real gatewayd (and a real mosquitto), as an operator uses them.
@Suite("gatewayctl and the control socket", .serialized)
struct ControlSocketTests {
    let wlanState = "wifi-gateway/wlan/state"
    let subscription = "wifi-gateway/bridge/subscription"

    /// A broker, a gatewayd on the simulated source, and gatewayctl pointed at its socket.
    struct Setup {
        let broker: MosquittoBroker
        let gateway: GatewayProcess
        let ctl: Gatewayctl

        init(interval: Int = 100, extra: [String] = []) throws {
            broker = try MosquittoBroker()
            gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "\(interval)"] + extra)
            ctl = Gatewayctl(gateway, directory: broker.directory)
            let ctl = ctl
            guard eventually(timeout: 10, { (ctl.status()?["counters"]?["updates_published"]?.intValue ?? 0) >= 2 }) else {
                throw MosquittoBroker.Failure(description: "gatewayd did not come up:\n\(gateway.log)")
            }
        }
    }

    @Test("status while connected: the human view, and JSON checked field by field")
    func statusConnected() throws {
        let setup = try Setup()
        defer { setup.gateway.kill(SIGTERM) }
        let json = try setup.ctl.run(["status", "--json"])
        #expect(json.status == 0)
        #expect(json.stderr.isEmpty, "\(json.stderr)")
        let document = try #require(json.json, "not JSON: \(json.stdout)")
        // The documented fields, in a stable order (sorted, as every typed document): an
        // interface for scripts.
        #expect(try JSONText(validating: Array(json.stdout.utf8)).members.map(\.key) == [
            "base_topic", "counters", "device_id", "mqtt", "pid", "started_at", "subscription", "uptime_s", "version", "wlan",
        ])
        #expect(document["version"]?.stringValue?.split(separator: ".").count == 3)
        #expect(document["pid"]?.intValue == Int(setup.gateway.pid ?? -1))
        #expect(document["started_at"]?.stringValue?.hasSuffix("Z") == true)
        #expect((0...60).contains(document["uptime_s"]?.intValue ?? -1))
        #expect(document["base_topic"] == "wifi-gateway")
        #expect(document["device_id"] == "testdev")
        let mqtt = try #require(document["mqtt"])
        #expect(mqtt["server"]?.stringValue == "mqtt://127.0.0.1:\(setup.broker.port)")
        #expect(mqtt["connected"] == true)
        #expect(mqtt["since"]?.stringValue?.count == 24)
        #expect(mqtt["for_s"]?.intValue.map { $0 >= 0 } == true)
        #expect(mqtt["connects"] == 1)
        #expect(mqtt["reconnects"] == 0)
        #expect(mqtt["last_error"] == .null)
        #expect(document["subscription"] == "subscribed")
        let wlan = try #require(document["wlan"])
        let linkStates = ["unknown", "reset_hold", "uninitialized", "initializing", "disconnected", "connecting", "connected", "wfx_error"]
        #expect(linkStates.contains(wlan["link_state"]?.stringValue ?? ""))
        #expect((wlan["seq"]?.intValue ?? 0) >= 2)
        #expect(wlan["ipv4"]?["address"]?.stringValue?.split(separator: ".").count == 4)
        #expect(wlan["ipv4"]?["gateway"]?.stringValue?.split(separator: ".").count == 4)
        let counters = try #require(document["counters"])
        let received = counters["updates_received"]?.intValue ?? 0
        #expect(received >= 2)
        #expect(received == wlan["seq"]?.intValue)
        #expect((counters["updates_published"]?.intValue ?? 0) + (counters["updates_dropped"]?.intValue ?? 0) == received)
        for key in ["bouncer_ignored", "control_errors", "publish_errors"] {
            #expect(counters[key] == 0, "\(key)")
        }
        // Every earlier `status --json` of the set-up was a request answered ok.
        #expect((counters["control_ok"]?.intValue ?? 0) >= 1)
        #expect((counters["published"]?.intValue ?? 0) >= 2)
        #expect(counters["mqtt_received"]?.intValue != nil)

        let human = try setup.ctl.run(["status"])
        #expect(human.status == 0)
        let text = human.stdout
        #expect(text.hasPrefix("gatewayd \(document["version"]?.stringValue ?? "?") (pid \(setup.gateway.pid ?? -1)), up "))
        #expect(text.contains("Broker:        mqtt://127.0.0.1:\(setup.broker.port), connected since "))
        #expect(text.contains("0 reconnects"))
        #expect(!text.contains("Last error"))
        #expect(text.contains("Subscription:  subscribed"))
        #expect(text.contains("Wi-Fi:         "))
        #expect(text.contains("IPv4:          "))
        #expect(text.contains("Updates:       "))
        #expect(text.contains("Control:       "))
        #expect(text.contains("Publishing:    "))
        #expect(text.contains("Topics:        base wifi-gateway, device id testdev"))
        // gatewayctl with no command is `status`.
        #expect(try setup.ctl.run([]).stdout.hasPrefix("gatewayd "))
    }

    @Test("status while the broker is stopped shows disconnected and the error, then the reconnect")
    func statusBrokerDown() throws {
        let setup = try Setup()
        defer { setup.gateway.kill(SIGTERM) }
        setup.broker.kill()
        let ctl = setup.ctl
        #expect(eventually(timeout: 10) { ctl.status()?["mqtt"]?["connected"] == false })
        let document = try #require(ctl.status())
        let error = document["mqtt"]?["last_error"]?.stringValue ?? ""
        #expect(!error.isEmpty)
        let before = document["counters"]?["updates_received"]?.intValue ?? 0
        // Wi-Fi updates keep arriving and are counted as dropped while the broker is away.
        #expect(eventually(timeout: 5) {
            (ctl.status()?["counters"]?["updates_received"]?.intValue ?? 0) > before + 2
        })
        let human = try ctl.run(["status"])
        #expect(human.status == 0)
        #expect(human.stdout.contains("mqtt://127.0.0.1:\(setup.broker.port), disconnected since "))
        #expect(human.stdout.contains("Last error:    "))
        #expect((ctl.status()?["counters"]?["updates_dropped"]?.intValue ?? 0) > 0)

        try setup.broker.start()
        #expect(eventually(timeout: 40) { ctl.status()?["mqtt"]?["connected"] == true })
        #expect(ctl.status()?["mqtt"]?["reconnects"] == 1)
    }

    @Test("unsubscribe and subscribe report back, change status and the subscription topic, and are idempotent")
    func subscribeUnsubscribe() throws {
        let setup = try Setup()
        defer { setup.gateway.kill(SIGTERM) }
        let watcher = try Observer(broker: setup.broker)
        let ctl = setup.ctl

        let off = try ctl.run(["unsubscribe"])
        #expect(off.status == 0)
        #expect(off.stdout == "Wi-Fi push subscription: unsubscribed\n")
        #expect(watcher.waitFor(subscription) { $0["state"] == "unsubscribed" })
        let status = try #require(ctl.status())
        #expect(status["subscription"] == "unsubscribed")
        // No more pushes reach the gateway.
        let frozen = status["counters"]?["updates_received"]?.intValue
        pause(0.5)
        #expect(ctl.status()?["counters"]?["updates_received"]?.intValue == frozen)

        let again = try ctl.run(["unsubscribe", "--json"])
        #expect(again.status == 0)
        #expect(again.json == ["subscription": "unsubscribed"])

        let on = try ctl.run(["subscribe"])
        #expect(on.status == 0)
        #expect(on.stdout == "Wi-Fi push subscription: subscribed\n")
        #expect(watcher.waitFor(subscription) { $0["state"] == "subscribed" })
        #expect(eventually(timeout: 5) { (ctl.status()?["counters"]?["updates_received"]?.intValue ?? 0) > (frozen ?? 0) + 1 })
        #expect(try ctl.run(["subscribe", "--json"]).json == ["subscription": "subscribed"])
        #expect(watcher.documents(subscription).filter { $0["state"] == "subscribed" }.count >= 1)
    }

    @Test("watch prints each new status in order until interrupted, and says when gatewayd goes away")
    func watch() throws {
        let setup = try Setup(interval: 50)
        let json = try setup.ctl.start(["watch", "--json"])
        let human = try setup.ctl.start(["watch"])
        #expect(eventually(timeout: 10) { json.lines.count >= 20 && human.lines.count >= 5 })
        let documents = json.lines.compactMap { try? JSONValue.parse($0) }
        #expect(documents.count == json.lines.count)
        let seqs = documents.compactMap { $0["seq"]?.intValue }
        #expect(seqs.count == documents.count)
        // Each update once, in order, none skipped.
        #expect(seqs == Array((seqs.first ?? 0)..<((seqs.first ?? 0) + seqs.count)), "\(seqs)")
        #expect(documents.allSatisfy { $0["link_state"]?.stringValue != nil && $0["ipv4"] != nil })
        #expect(human.lines.allSatisfy { $0.contains(" #") && $0.contains("gateway ") }, "\(human.lines)")

        json.kill(SIGINT)
        #expect(json.waitForExit(timeout: 5) == 0)

        setup.gateway.kill(SIGTERM)
        #expect(setup.gateway.waitForExit(timeout: 5) == 0)
        #expect(human.waitForExit(timeout: 5) == 1)
        #expect(human.stderr.contains("gatewayd shut down"))
    }

    @Test("the socket has mode 0660 in a directory made 0750, and is removed on a clean exit")
    func socketPermissions() throws {
        let setup = try Setup()
        let path = setup.gateway.controlSocket
        let socket = try #require(UnixSocket.fileInfo(path))
        #expect(socket.isSocket)
        #expect(socket.permissions == 0o660, "mode \(String(socket.permissions, radix: 8))")
        #expect(socket.owner == UInt32(getuid()))
        let directory = try #require(UnixSocket.fileInfo(setup.broker.directory + "/run"))
        #expect(directory.isDirectory)
        #expect(directory.permissions == 0o750, "mode \(String(directory.permissions, radix: 8))")

        setup.gateway.kill(SIGTERM)
        #expect(setup.gateway.waitForExit(timeout: 5) == 0)
        #expect(UnixSocket.fileInfo(path) == nil, "the socket file was left behind")
    }

    @Test("a second SIGTERM forces the exit, and the socket file still goes")
    func forcedExitRemovesSocket() throws {
        let setup = try Setup()
        let path = setup.gateway.controlSocket
        // A frozen broker holds the orderly shutdown in its MQTT goodbye for a while.
        setup.broker.suspend()
        defer { setup.broker.resume() }
        setup.gateway.kill(SIGTERM)
        pause(0.2)
        setup.gateway.kill(SIGTERM)
        let status = setup.gateway.waitForExit(timeout: 5)
        #expect(status == 130, "exit status \(String(describing: status))")
        #expect(UnixSocket.fileInfo(path) == nil, "the socket file was left behind")
    }

    @Test("a stale socket file is replaced; a live socket, or a file that is not a socket, is refused")
    func staleAndLiveSockets() throws {
        let broker = try MosquittoBroker()
        let path = broker.directory + "/gw.sock"
        // What a crashed gatewayd leaves: a socket file nobody listens on.
        let fd = try UnixSocket.makeSocket()
        try UnixSocket.bind(fd, path)
        close(fd)
        #expect(UnixSocket.fileInfo(path)?.isSocket == true)

        let first = try GatewayProcess(broker: broker, ["--sim-interval-ms", "200"], controlSocket: path)
        defer { first.kill(SIGTERM) }
        let ctl = Gatewayctl(first, directory: broker.directory)
        #expect(eventually(timeout: 10) { ctl.status() != nil })
        #expect(first.log.contains("Replaced a stale control socket"))

        // A second gatewayd on the same socket stops at once with a clear error.
        let second = try GatewayProcess(broker: broker, ["--sim-interval-ms", "200"], logName: "second.log", controlSocket: path)
        #expect(second.waitForExit(timeout: 10) == 1)
        #expect(second.log.contains("another gatewayd is already serving the control socket '\(path)'"))
        #expect(ctl.status()?["pid"]?.intValue == Int(first.pid ?? -1), "the first gatewayd lost its socket")

        // Something that is not a socket is never removed.
        let file = try broker.writeFile("not-a-socket", contents: "keep me\n")
        let third = try GatewayProcess(broker: broker, [], logName: "third.log", controlSocket: file)
        #expect(third.waitForExit(timeout: 10) == 1)
        #expect(third.log.contains("'\(file)' exists and is not a socket"))
        #expect(readTextFile(file) == "keep me\n")
    }

    @Test("GATEWAY_CONTROL_SOCKET points gatewayd and gatewayctl at the same socket")
    func environmentVariable() throws {
        let broker = try MosquittoBroker()
        let gateway = try GatewayProcess(broker: broker, ["--sim-interval-ms", "200"], socketFromEnvironment: true)
        defer { gateway.kill(SIGTERM) }
        let ctl = Gatewayctl(socket: nil, directory: broker.directory)
        let environment = ProcessEnvironment.current().merging(["GATEWAY_CONTROL_SOCKET": gateway.controlSocket]) { $1 }
        #expect(eventually(timeout: 10) { (try? ctl.run(["status", "--json"], environment: environment))?.status == 0 })
        #expect(UnixSocket.fileInfo(gateway.controlSocket)?.isSocket == true)
    }

    @Test("garbage clients get error replies and do not disturb the gateway or other clients")
    func garbageClients() throws {
        let setup = try Setup(interval: 50)
        defer { setup.gateway.kill(SIGTERM) }
        let watcher = try Observer(broker: setup.broker)
        let path = setup.gateway.controlSocket
        let ctl = setup.ctl
        let errorsBefore = ctl.status()?["counters"]?["control_errors"]?.intValue ?? -1

        // Bad requests on one connection: each gets exactly one error line, in order.
        let client = try RawControlClient(path)
        #expect(client.nextDocument()?["protocol"] == "gatewayd-control")
        var generator = SplitMix64(seed: 7)
        var bad: [[UInt8]] = [
            Array("reboot\n".utf8), [0xff, 0xfe, 0x0a], Array("{\"command\":1}\n".utf8), Array("{\"command\":\"status\",\"x\":1}\n".utf8),
            Array("{\"command\":\"status\",\"version\":2}\n".utf8), Array("{{{{\n".utf8), Array("[\"status\"]\n".utf8),
            Array("{\"id\":3}\n".utf8), Array((String(repeating: "[", count: 100) + "\n").utf8),
        ]
        for _ in 0..<40 {
            // Random bytes without a newline inside, so each is one request.
            bad.append((0..<Int(generator.next() % 200 + 1)).map { _ in UInt8(generator.next() % 255) }.map { $0 == 0x0a ? 0x0b : $0 } + [0x0a])
        }
        var errors = 0
        for request in bad {
            try client.send(request)
            let answer = client.nextDocument()
            #expect(answer?["status"] == "error", "\(request.prefix(20)) got \(answer?.serialized ?? "nothing")")
            #expect(answer?["error"]?.stringValue?.isEmpty == false)
            errors += 1
        }
        // The same connection still works for a good request, and the id comes back verbatim.
        try client.send(#"{"command":"status","id":{"n":[1,2.50]}}"# + "\n")
        let answer = try #require(client.nextLine().map { try JSONText(validating: $0) })
        #expect(answer.member("status")?.string == "ok")
        #expect(answer[raw: "id"].map { String(decoding: $0, as: UTF8.self) } == #"{"n":[1,2.50]}"#)

        // A line that never ends is refused and its connection closed.
        let long = try RawControlClient(path)
        _ = long.nextDocument()
        try long.send([UInt8](repeating: UInt8(ascii: "a"), count: 10_000))
        #expect(long.nextDocument()?["error"]?.stringValue?.contains("longer than 4096 bytes") == true)
        #expect(long.isClosed())
        errors += 1

        // Silent clients fill every slot and a watcher never reads: operators still get in.
        let stuckWatcher = try RawControlClient(path)
        try stuckWatcher.send("watch\n")
        let silent = try (0..<ControlSocketServer.maxClients).map { _ in try RawControlClient(path) }
        let published = watcher.payloads(wlanState).count
        #expect(try ctl.run(["status", "--json"]).status == 0)
        #expect(watcher.waitFor(wlanState, count: published + 10, timeout: 5), "updates stopped flowing")
        // The one that had been quiet longest made room, and was told why.
        #expect(silent[0].nextDocument(timeout: 1)?["protocol"] != nil)
        #expect(silent[0].nextDocument(timeout: 1)?["error"]?.stringValue?.contains("too many control clients") == true)

        let status = try #require(ctl.status())
        #expect(status["counters"]?["control_errors"]?.intValue == errorsBefore + errors)
        #expect(setup.gateway.waitForExit(timeout: 0.1) == nil, "gatewayd died")
        _ = stuckWatcher
    }

    @Test("a watcher that stops reading is cut off, and the gateway never waits for it")
    func slowWatcher() throws {
        let setup = try Setup(interval: 1)
        defer { setup.gateway.kill(SIGTERM) }
        let observer = try Observer(broker: setup.broker)
        let stuck = try RawControlClient(setup.gateway.controlSocket)
        try stuck.send("watch\n")
        // The greeting and the watch's answer (a few hundred bytes; reading them changes
        // nothing about the stall that follows): a watch that failed would stall nothing.
        let hello = stuck.nextDocument(timeout: 5)
        let answer = stuck.nextDocument(timeout: 5)
        #expect(hello?["protocol"] != nil, "\(hello?.serialized ?? "nothing")")
        #expect(answer?["status"]?.stringValue == "ok", "\(answer?.serialized ?? "nothing")")
        let published = observer.payloads(wlanState).count
        // A thousand updates of about 400 bytes overflow the socket buffer and the 256 KB allowance.
        #expect(eventually(timeout: 20) { setup.gateway.log.contains("Control socket closed a client that stopped reading") },
                "\(setup.ctl.status()?.serialized ?? "no status")\n\(setup.gateway.log.suffix(3000))")
        #expect(observer.waitFor(wlanState, count: published + 1000, timeout: 20), "the gateway slowed down")
        // What was sent before the cut is readable, then the stream ends.
        var lines = 0
        while stuck.nextDocument(timeout: 5) != nil { lines += 1 }
        #expect(lines > 100)
        #expect(stuck.isClosed(timeout: 1))
        #expect(setup.ctl.status() != nil)
    }

    @Test("a client that sends nothing is closed after the idle time-out")
    func idleTimeout() throws {
        let setup = try Setup(interval: 500)
        defer { setup.gateway.kill(SIGTERM) }
        let client = try RawControlClient(setup.gateway.controlSocket)
        #expect(client.nextDocument()?["protocol"] == "gatewayd-control")
        try client.send("stat")  // half a request, then silence
        let started = MonotonicInstantNow()
        let answer = client.nextDocument(timeout: 15)
        #expect(answer?["error"]?.stringValue?.contains("no complete request within 10 s") == true)
        #expect(client.isClosed())
        #expect(MonotonicInstantNow() - started >= 9)
    }

    @Test("exit codes: 1 when gatewayd is not reachable, saying where it looked; 2 on a usage error")
    func exitCodes() throws {
        let broker = try MosquittoBroker(start: false)
        let missing = broker.directory + "/nothing/gatewayd.sock"
        let ctl = Gatewayctl(socket: missing, directory: broker.directory)
        for command in [["status"], ["status", "--json"], ["subscribe"], ["unsubscribe"], ["watch"]] {
            let result = try ctl.run(command)
            #expect(result.status == 1, "\(command)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("cannot reach gatewayd at \(missing) (--control-socket)"), "\(result.stderr)")
            #expect(result.stderr.contains("Is gatewayd running?"))
        }
        let fromEnvironment = try Gatewayctl(socket: nil, directory: broker.directory)
            .run(["status"], environment: ["GATEWAY_CONTROL_SOCKET": missing, "PATH": "/usr/bin:/bin"])
        #expect(fromEnvironment.status == 1)
        #expect(fromEnvironment.stderr.contains("\(missing) (GATEWAY_CONTROL_SOCKET)"))

        // A socket nobody greets on: not gatewayd, and gatewayctl does not hang.
        let mute = broker.directory + "/mute.sock"
        let fd = try UnixSocket.makeSocket()
        defer { close(fd) }
        try UnixSocket.bind(fd, mute)
        listen(fd, 4)
        let muted = try Gatewayctl(socket: mute, directory: broker.directory).run(["--timeout", "0.5", "status"])
        #expect(muted.status == 1)
        #expect(muted.stderr.contains("did not greet"))

        for usage in [["frobnicate"], ["status", "--bogus"], ["--timeout", "-1", "status"], ["--timeout"]] {
            let result = try ctl.run(usage)
            #expect(result.status == 2, "\(usage): \(result.stderr)")
            #expect(result.stderr.contains("Usage:") || result.stderr.contains("Error:"), "\(usage)")
        }
        let help = try ctl.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit codes"))
    }

    @Test("nothing gatewayctl prints contains a SID, a CID or an opcode")
    func noCapabilitiesPrinted() throws {
        let setup = try Setup(interval: 50)
        defer { setup.gateway.kill(SIGTERM) }
        let watch = try setup.ctl.start(["watch"])
        let watchJSON = try setup.ctl.start(["watch", "--json"])
        var outputs: [String] = []
        for command in [["status"], ["status", "--json"], ["unsubscribe"], ["unsubscribe", "--json"], ["subscribe"],
                        ["subscribe", "--json"], ["--help"], ["status", "--help"]] {
            let result = try setup.ctl.run(command)
            outputs += [result.stdout, result.stderr]
        }
        #expect(eventually(timeout: 5) { watch.lines.count >= 5 && watchJSON.lines.count >= 5 })
        outputs += [watch.stdout, watchJSON.stdout, watch.stderr, watchJSON.stderr]
        for output in outputs {
            #expect(!looksLikeSID(output), "\(output)")
            let words = output.lowercased().split { !$0.isLetter }.map(String.init)
            for word in ["sid", "sids", "cid", "cids", "opcode", "opcodes"] {
                #expect(!words.contains(word), "'\(word)' in \(output)")
            }
        }
    }
}
