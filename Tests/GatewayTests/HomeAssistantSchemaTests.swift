#if canImport(Glibc)
import Glibc
#endif
import Gateway
import GatewayJSON
import TestHarness
import Testing

/// Every discovery config, checked by Home Assistant's own MQTT discovery code (2024.3.3) in a
/// venv that `scripts/test` (or `scripts/ha-discovery-check --setup`) prepares.
@Suite("Home Assistant accepts every discovery config", .serialized)
struct HomeAssistantSchemaTests {
    static var checker: String {
        let file = #filePath
        let root = file.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        return root + "/scripts/ha-discovery-check"
    }

    /// Runs the checker on JSON Lines; its exit status and output.
    func check(_ lines: [String], prefix: String = "homeassistant") throws -> (status: Int32, output: String) {
        let broker = try MosquittoBroker(start: false)  // only for its scratch directory
        let input = try broker.writeFile("configs.jsonl", contents: lines.joined(separator: "\n") + "\n")
        let output = broker.directory + "/check.out"
        let pid = try MosquittoBroker.spawn([Self.checker, "--prefix", prefix, input], output: output)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, readTextFile(output))
    }

    func lines(_ configuration: GatewayConfiguration) -> [String] {
        Discovery.configs(configuration).map { config in
            JSONValue.object([("topic", .string(config.topic)), ("config", config.document)]).serialized
        }
    }

    @Test("the six configs, with default and unusual names", arguments: [
        GatewayConfiguration(deviceID: "pi4"),
        GatewayConfiguration(baseTopic: "home/wifi gw/ü", deviceID: "a-b_c9", discoveryPrefix: "ha"),
    ])
    func accepted(_ configuration: GatewayConfiguration) throws {
        let result = try check(lines(configuration), prefix: configuration.discoveryPrefix)
        #expect(result.status != 2, "the checker is not set up: run scripts/test or scripts/ha-discovery-check --setup\n\(result.output)")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == 6, "\(result.output)")
    }

    @Test("the checker refuses a broken config, so the check above can fail")
    func brokenIsRefused() throws {
        var broken = Discovery.configs(GatewayConfiguration(deviceID: "pi4"))[0].document
        if case .object(let members) = broken {
            broken = .object(members.filter { $0.0 != "state_topic" })
        }
        let line = JSONValue.object([("topic", "homeassistant/sensor/pi4/rssi/config"), ("config", broken)]).serialized
        let result = try check([line])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("REJECTED"))
    }
}
