#if canImport(Glibc)
import Glibc
#endif
import GatewayConfig
import TestHarness
import Testing


func load(_ yaml: String?, environment: [String: String] = [:], flags: [String: (value: String, flag: String)] = [:],
          in directory: TemporaryDirectory = TemporaryDirectory()) throws(SettingsErrors) -> GatewaySettings {
    let file = yaml.map { directory.write("gatewayd.yaml", $0) }
    return try GatewaySettings.load(file: file, environment: environment, flags: flags)
}

/// The messages of the errors a load throws (empty when it loads).
func problems(_ yaml: String?, environment: [String: String] = [:], flags: [String: (value: String, flag: String)] = [:]) -> [String] {
    do {
        _ = try load(yaml, environment: environment, flags: flags)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

@Suite("Settings: file, environment and flags")
struct SettingsTests {
    @Test("config/gatewayd.yaml, as shipped, is exactly the defaults and documents every key")
    func exampleIsTheDefaults() throws {
        let path = repositoryRoot + "/config/gatewayd.yaml"
        let settings = try GatewaySettings.load(file: path, environment: [:])
        let defaults = GatewaySettings()
        var setInFile = 0
        for key in SettingKey.all {
            #expect(settings.entry(key.path)?.value == defaults.entry(key.path)?.value, "\(key.path)")
            if case .file = settings.origin(key.path) { setInFile += 1 }
        }
        #expect(setInFile == SettingKey.all.filter { $0.defaultValue != nil }.count, "every key with a default is written out")
        // Every key without a fixed default is still documented, as a commented example.
        let text = readTextFile(path)
        for key in SettingKey.all where key.defaultValue == nil {
            let name = key.path.split(separator: ".").last!
            #expect(text.contains("# \(name):"), "\(key.path) is not documented in the example")
        }
    }

    @Test("no file, an empty file, a file of comments, and null values all give the defaults")
    func emptyInputs() throws {
        for yaml in [nil, "", "# nothing\n", "mqtt:\n", "mqtt:\n  user: ~\n  keepalive: null\n"] as [String?] {
            let settings = try load(yaml)
            #expect(settings.int("mqtt.keepalive") == 60, "\(String(describing: yaml))")
            #expect(settings.string("mqtt.user") == nil)
        }
    }

    @Test("flags beat the environment, which beats the file, which beats the defaults")
    func precedence() throws {
        let yaml = "mqtt:\n  base_topic: from-file\n  keepalive: 30\n  version: 5\nlog:\n  level: debug\n"
        let flags: [String: (value: String, flag: String)] = ["mqtt.base_topic": ("from-flag", "--base-topic")]
        let environment = ["GATEWAY_MQTT_BASE_TOPIC": "from-env", "GATEWAY_MQTT_KEEPALIVE": "45"]
        let settings = try load(yaml, environment: environment, flags: flags)
        #expect(settings.string("mqtt.base_topic") == "from-flag")
        #expect(settings.origin("mqtt.base_topic") == .flag("--base-topic"))
        #expect(settings.int("mqtt.keepalive") == 45)
        #expect(settings.origin("mqtt.keepalive") == .environment("GATEWAY_MQTT_KEEPALIVE"))
        #expect(settings.string("mqtt.version") == "5")
        #expect(settings.origin("mqtt.version").description.hasSuffix("gatewayd.yaml:4"))
        #expect(settings.string("log.level") == "debug")
        #expect(settings.string("mqtt.server") == "mqtt://127.0.0.1:1883")
        #expect(settings.origin("mqtt.server") == .defaultValue)
        let withoutFlag = try load(yaml, environment: environment)
        #expect(withoutFlag.string("mqtt.base_topic") == "from-env")
        #expect(try load(yaml).string("mqtt.base_topic") == "from-file")
    }

    @Test("every key has the documented variable name")
    func variableNames() {
        #expect(SettingKey.named("mqtt.base_topic")?.environmentVariable == "GATEWAY_MQTT_BASE_TOPIC")
        #expect(SettingKey.named("device_id")?.environmentVariable == "GATEWAY_DEVICE_ID")
        #expect(SettingKey.named("control.socket")?.environmentVariable == "GATEWAY_CONTROL_SOCKET")
        #expect(SettingKey.named("homeassistant.discovery_prefix")?.environmentVariable == "GATEWAY_HOMEASSISTANT_DISCOVERY_PREFIX")
        #expect(Set(SettingKey.all.map(\.environmentVariable)).count == SettingKey.all.count)
    }

    @Test("an unknown key names the file, the line and the closest valid key", arguments: [
        ("mqtt:\n  keepalvie: 30\n", "gatewayd.yaml:2: mqtt.keepalvie: unknown key; did you mean mqtt.keepalive?"),
        ("base_topic: x\n", "gatewayd.yaml:1: base_topic: unknown key; did you mean mqtt.base_topic?"),
        ("mqt:\n  server: x\n", "gatewayd.yaml:1: mqt: unknown key; did you mean mqtt?"),
        ("mqtt:\n  server: mqtt://a\n  pasword: x\n", "gatewayd.yaml:3: mqtt.pasword: unknown key; did you mean mqtt.password?"),
        ("frobnicate: 1\n", "gatewayd.yaml:1: frobnicate: unknown key"),
    ])
    func unknownKeys(_ yaml: String, _ message: String) {
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.hasSuffix(message) == true, "\(found)")
    }

    @Test("a wrong type or value names the key and what was expected", arguments: [
        ("mqtt:\n  keepalive: sixty\n", "mqtt.keepalive: expected a whole number from 0 to 65535, got 'sixty'"),
        ("mqtt:\n  keepalive: \"60\"\n", "mqtt.keepalive: expected a whole number from 0 to 65535, got '60'"),
        ("mqtt:\n  keepalive: 70000\n", "mqtt.keepalive: expected a whole number from 0 to 65535, got 70000"),
        ("mqtt:\n  keepalive: 1.5\n", "mqtt.keepalive: expected a whole number"),
        ("homeassistant:\n  enabled: maybe\n", "homeassistant.enabled: expected true or false, got 'maybe'"),
        ("mqtt:\n  version: 4\n", "mqtt.version: expected one of 3.1.1, 5, got '4'"),
        ("log:\n  level: loud\n", "log.level: expected one of trace, debug, info"),
        ("mqtt:\n  server: [a, b]\n", "mqtt.server: expected a string, got a list"),
        ("mqtt:\n  server:\n    host: a\n", "mqtt.server: expected a string, got a mapping"),
        ("mqtt: mqtt://a\n", "mqtt: expected a mapping of mqtt keys"),
        ("mqtt:\n  server: \"\"\n", "mqtt.server: must not be empty"),
        ("source:\n  kind: linux-ish\n", "source.kind: expected one of sim"),
        ("health:\n  interval_s: 0\n", "health.interval_s: expected a whole number from 1 to 86400, got 0"),
    ])
    func wrongValues(_ yaml: String, _ message: String) {
        let found = problems(yaml)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains(message) == true, "\(found)")
        #expect(found.first?.contains("gatewayd.yaml:") == true)
    }

    @Test("every problem in a file is reported in one go, in file order")
    func allProblemsAtOnce() {
        let found = problems("mqtt:\n  keepalive: x\n  versoin: 5\nlog:\n  level: loud\n")
        #expect(found.count == 3)
        #expect(found.map { $0.split(separator: ":")[1] } == ["2", "3", "5"], "\(found)")
    }

    @Test("bad YAML, a duplicate key, an unreadable file and a non-text file are refused with the file name")
    func unreadableFiles() {
        #expect(problems("mqtt:\n  server: [a\n").first?.contains("not valid YAML: line 3") == true)
        #expect(problems("mqtt:\n  server: a\n  server: b\n").first?.contains("a key appears twice: server") == true)
        #expect(problems("- a\n- b\n").first?.contains("expected a mapping of keys") == true)
        do {
            _ = try GatewaySettings.load(file: "/nonexistent/gatewayd.yaml", environment: [:])
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description == "/nonexistent/gatewayd.yaml: cannot read the configuration file: No such file or directory")
        }
        let directory = TemporaryDirectory()
        let binary = directory.write("binary.yaml", "mqtt:\n  server: \u{FF}\n")
        // Not reachable through fputs with invalid UTF-8 in a Swift string, so write raw bytes.
        let handle = fopen(binary, "w")!
        _ = [UInt8]([0x6d, 0x3a, 0x20, 0xff, 0xfe, 0x0a]).withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        fclose(handle)
        #expect(throws: SettingsErrors.self) { try GatewaySettings.load(file: binary, environment: [:]) }
        if getuid() != 0 {
            let secret = directory.write("secret.yaml", "log:\n  level: info\n", mode: 0o000)
            #expect(throws: SettingsErrors.self) { try GatewaySettings.load(file: secret, environment: [:]) }
        }
    }

    @Test("file-valued keys must name a readable file; relative paths are relative to the configuration file")
    func fileKeys() throws {
        let directory = TemporaryDirectory()
        directory.write("ca.crt", "not really a certificate\n")
        let settings = try load("mqtt:\n  ca: ca.crt\n", in: directory)
        #expect(settings.string("mqtt.ca") == directory.path + "/ca.crt")
        let found = problems("mqtt:\n  ca: /nonexistent/ca.crt\n")
        #expect(found.first?.contains("mqtt.ca: cannot read '/nonexistent/ca.crt': No such file or directory") == true, "\(found)")
        #expect(problems("mqtt:\n  password_file: /tmp\n").first?.contains("not a regular file") == true)
        // From the environment, relative to the working directory.
        let fromEnvironment = problems(nil, environment: ["GATEWAY_SOURCE_SCENARIO": "no-such.scenario"])
        #expect(fromEnvironment.first == "environment GATEWAY_SOURCE_SCENARIO: source.scenario: cannot read 'no-such.scenario': No such file or directory")
    }

    @Test("environment: values are checked; unknown variables are refused with a suggestion; empty ones are ignored")
    func environment() throws {
        // Unknown variables are pointed out, not fatal: the environment is shared with everything else.
        let typo = try load(nil, environment: ["GATEWAY_MQTT_USRE": "x", "GATEWAY_SOMETHING_ELSE": "y"])
        #expect(typo.warnings.map(\.description) == [
            "environment GATEWAY_MQTT_USRE: not a gatewayd setting, ignored; did you mean GATEWAY_MQTT_USER?",
            "environment GATEWAY_SOMETHING_ELSE: not a gatewayd setting, ignored",
        ])
        #expect(typo.string("mqtt.user") == nil)
        #expect(problems(nil, environment: ["GATEWAY_MQTT_KEEPALIVE": "soon"])
            == ["environment GATEWAY_MQTT_KEEPALIVE: mqtt.keepalive: expected a whole number from 0 to 65535, got 'soon'"])
        #expect(try load(nil, environment: ["GATEWAY_CONFIG": "/x", "GATEWAY_INTERFACE": "CGI/1.1", "HOME": "/root"]).warnings.isEmpty)
        #expect(try load(nil, environment: ["GATEWAY_MQTT_USER": ""]).string("mqtt.user") == nil)
        for (text, value) in [("true", true), ("YES", true), ("on", true), ("1", true), ("false", false), ("no", false), ("0", false)] {
            #expect(try load(nil, environment: ["GATEWAY_HOMEASSISTANT_ENABLED": text]).bool("homeassistant.enabled") == value, "\(text)")
        }
        #expect(problems(nil, flags: ["mqtt.keepalive": ("3x", "--mqtt-keepalive")])
            == ["--mqtt-keepalive: mqtt.keepalive: expected a whole number from 0 to 65535, got '3x'"])
    }

    @Test("the password is never part of the report, wherever it came from")
    func secretHidden() throws {
        let fromFile = try load("mqtt:\n  user: u\n  password: hunter2-file\n")
        let fromEnvironment = try load(nil, environment: ["GATEWAY_MQTT_PASSWORD": "hunter2-env"])
        for settings in [fromFile, fromEnvironment] {
            let report = settings.report.map { "\($0.key) \($0.value) \($0.origin)" }.joined(separator: "\n")
            #expect(!report.contains("hunter2"))
            #expect(report.contains("mqtt.password (set, hidden)"))
        }
        // A bad choice for a secret would echo it; no secret is a choice, and errors about it do not quote it.
        #expect(SettingKey.all.filter(\.secret).allSatisfy { if case .string = $0.type { true } else { false } })
    }
}
