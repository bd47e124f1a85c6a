#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import TestHarness
import Testing

/// A real Home Assistant beside a test's broker: `Tests/HomeAssistant/ha_live.py serve` in the venv that
/// `scripts/test` (or `Tests/HomeAssistant/ha-discovery-check --setup`) makes, read only through Home
/// Assistant's public interfaces (its REST and WebSocket APIs and its log).
final class HomeAssistant: @unchecked Sendable {
    static let root = repositoryRoot
    /// The venv's interpreter: `HA_VENV` as for `Tests/HomeAssistant/ha-discovery-check`, else `.build-ha/venv`.
    static var python: String {
        let venv = getenv("HA_VENV").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? root + "/.build-ha/venv"
        return venv + "/bin/python"
    }
    static var script: String { root + "/Tests/HomeAssistant/ha_live.py" }

    /// The version in the venv (without starting anything), or nil when there is no venv.
    static let installedVersion: String? = {
        guard access(python, X_OK) == 0, let broker = try? MosquittoBroker(start: false) else { return nil }
        let output = broker.directory + "/version.out"
        guard let pid = try? MosquittoBroker.spawn([python, script, "version"], output: output),
              waitForChild(pid, timeout: 30) == 0
        else { return nil }
        return readTextFile(output).split(whereSeparator: \.isWhitespace).first.map(String.init)
    }()

    /// Whether the installed Home Assistant has device-based discovery (2024.11 and later).
    static var hasDeviceDiscovery: Bool {
        guard let parts = installedVersion?.split(separator: ".").compactMap({ Int($0) }), parts.count >= 2 else { return false }
        return (parts[0], parts[1]) >= (2024, 11)
    }

    let directory: String
    let version: String
    private let child: ChildProcess

    /// Starts Home Assistant with its MQTT integration on `broker` and waits until it is ready
    /// (about 5 s here); throws, saying how to set it up, when the venv is missing.
    init(broker: MosquittoBroker, prefix: String = "homeassistant") throws {
        guard access(Self.python, X_OK) == 0 else {
            throw MosquittoBroker.Failure(
                description: "no Home Assistant venv at \(Self.python): run scripts/test, or Tests/HomeAssistant/ha-discovery-check --setup")
        }
        let directory = broker.directory + "/ha"
        self.directory = directory
        _ = mkdir(directory, 0o755)
        let log = directory + "/serve.log"
        let child = ChildProcess(pid: try MosquittoBroker.spawn(
            [Self.python, Self.script, "serve", "--dir", directory, "--broker-port", "\(broker.port)", "--prefix", prefix],
            output: log))
        self.child = child
        let ready = eventually(timeout: 180) { access(directory + "/ha.json", R_OK) == 0 || child.waitForExit(timeout: 0) != nil }
        guard ready, access(directory + "/ha.json", R_OK) == 0,
              let handle = try? JSONValue.parse(readTextFile(directory + "/ha.json")),
              let version = handle["version"]?.stringValue
        else {
            child.kill(SIGTERM)
            _ = child.waitForExit(timeout: 15)
            throw MosquittoBroker.Failure(description: "Home Assistant did not start:\n\(readTextFile(log).suffix(3000))")
        }
        self.version = version
    }

    deinit {
        child.kill(SIGTERM)
        if child.waitForExit(timeout: 20) == nil {
            child.kill(SIGKILL)
            _ = child.waitForExit(timeout: 5)
        }
    }

    /// One MQTT entity as Home Assistant has it: its registry entry and its state.
    struct Entity: Sendable {
        let entityID: String
        let uniqueID: String
        let deviceID: String?
        /// The registry entry's own id, which stays the same as long as the entry does.
        let registryID: String
        /// nil when the entity is registered but not loaded (no state).
        let state: String?
        let attributes: JSONValue?
        /// The name a user gave it (nil: none).
        let name: String?
    }

    /// One device of the MQTT integration.
    struct Device: Sendable {
        let id: String
        let name: String?
        let identifiers: JSONValue?
        let connections: JSONValue?
        /// The name a user gave it (nil: none).
        let nameByUser: String?
    }

    /// The MQTT entities and devices now.
    func snapshot() throws -> (entities: [Entity], devices: [Device]) {
        let document = try JSONValue.parse(try run(["entities", "--dir", directory]))
        var entities: [Entity] = []
        if case .array(let list)? = document["entities"] {
            for item in list {
                entities.append(Entity(
                    entityID: item["entity_id"]?.stringValue ?? "", uniqueID: item["unique_id"]?.stringValue ?? "",
                    deviceID: item["device_id"]?.stringValue, registryID: item["registry_id"]?.stringValue ?? "",
                    state: item["state"]?.stringValue, attributes: item["attributes"], name: item["name"]?.stringValue))
            }
        }
        var devices: [Device] = []
        if case .array(let list)? = document["devices"] {
            for item in list {
                devices.append(Device(
                    id: item["id"]?.stringValue ?? "", name: item["name"]?.stringValue,
                    identifiers: item["identifiers"], connections: item["connections"], nameByUser: item["name_by_user"]?.stringValue))
            }
        }
        return (entities, devices)
    }

    /// The entities whose unique id starts with `prefix`, by unique id.
    func entities(uniqueIDPrefix prefix: String) -> [String: Entity] {
        guard let snapshot = try? snapshot() else { return [:] }
        return Dictionary(snapshot.entities.filter { $0.uniqueID.hasPrefix(prefix) }.map { ($0.uniqueID, $0) }) { a, _ in a }
    }

    /// The states the recorder kept for `entityID`, oldest first.
    func history(_ entityID: String) throws -> [String] {
        let document = try JSONValue.parse(try run(["history", "--dir", directory, "--entity", entityID]))
        guard case .array(let list) = document else { return [] }
        return list.compactMap { $0["state"]?.stringValue }
    }

    /// Sends one WebSocket API command, as the frontend does for a user; its result.
    @discardableResult
    func command(_ command: JSONValue) throws -> JSONValue {
        try JSONValue.parse(try run(["ws", "--dir", directory, command.serialized]))
    }

    /// Home Assistant's log so far.
    var log: String { readTextFile(directory + "/config/home-assistant.log") }

    /// Its warnings and errors about MQTT, one per line.
    var mqttWarnings: [String] {
        log.split(separator: "\n").map(String.init).filter {
            ($0.contains(" WARNING ") || $0.contains(" ERROR ")) && $0.contains("homeassistant.components.mqtt")
        }
    }

    private func run(_ arguments: [String]) throws -> String {
        let output = directory + "/query-\(UInt32.random(in: 0...UInt32.max)).out"
        defer {
            unlink(output)
            unlink(output + ".err")
        }
        let pid = try MosquittoBroker.spawn([Self.python, Self.script] + arguments, output: output, errorOutput: output + ".err")
        guard waitForChild(pid, timeout: 60) == 0 else {
            throw MosquittoBroker.Failure(description: "ha_live.py \(arguments[0]) failed:\n\(readTextFile(output + ".err").suffix(2000))")
        }
        return readTextFile(output)
    }
}
