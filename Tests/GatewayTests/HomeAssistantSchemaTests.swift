#if canImport(Glibc)
import Glibc
#endif
import TestJSON
import Gateway
import GatewayControl
import GatewayJSON
import TestHarness
import Testing

/// Every discovery config, checked on a real Home Assistant (2025.4.4 on Python 3.13, else
/// 2024.3.3) by `Tests/HomeAssistant/ha-discovery-check`, in the venv that `scripts/test` (or
/// `Tests/HomeAssistant/ha-discovery-check --setup`) prepares.
@Suite("Home Assistant accepts every discovery config", .serialized)
struct HomeAssistantSchemaTests {
    static let checker = repositoryRoot + "/Tests/HomeAssistant/ha-discovery-check"

    /// Runs the checker on JSON Lines; its exit status and output.
    func check(_ lines: [String], prefix: String = "homeassistant", strict: Bool = false) throws -> (status: Int32, output: String) {
        let broker = try MosquittoBroker(start: false)  // only for its scratch directory
        let input = try broker.writeFile("configs.jsonl", contents: lines.joined(separator: "\n") + "\n")
        let output = broker.directory + "/check.out"
        let pid = try MosquittoBroker.spawn([Self.checker, "--prefix", prefix] + (strict ? ["--strict"] : []) + [input], output: output)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, readTextFile(output))
    }

    func lines(_ configuration: GatewayConfiguration) -> [String] {
        Discovery.configs(configuration).map { config in
            String(decoding: JSONWriter.object { $0.member("topic", config.topic); $0.member("config", raw: config.payload) }, as: UTF8.self)
        }
    }

    static let names = [
        GatewayConfiguration(deviceID: "pi4"),
        GatewayConfiguration(baseTopic: "home/wifi gw/ü", deviceID: "a-b_c9", discoveryPrefix: "ha"),
    ]

    @Test("the entity form: six configs, each an entity, with default and unusual names", arguments: names)
    func acceptedEntityForm(_ configuration: GatewayConfiguration) throws {
        var configuration = configuration
        configuration.discoveryForm = .entity
        try accepted(configuration)
    }

    @Test("the device form: one config whose six components each make an entity, with default and unusual names",
          .enabled(if: HomeAssistant.hasDeviceDiscovery, "Home Assistant \(HomeAssistant.installedVersion ?? "(none)") has no device-based discovery (2024.11 and later)"),
          arguments: names)
    func acceptedDeviceForm(_ configuration: GatewayConfiguration) throws {
        #expect(configuration.discoveryForm == .device)
        try accepted(configuration)
    }

    func accepted(_ configuration: GatewayConfiguration) throws {
        // Strict: a warning of Home Assistant's about a config fails it too.
        let result = try check(lines(configuration), prefix: configuration.discoveryPrefix, strict: true)
        #expect(result.status != 2, "the checker is not set up: run scripts/test or Tests/HomeAssistant/ha-discovery-check --setup\n\(result.output)")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == 6, "\(result.output)")
    }

    @Test("the checker refuses a broken config, so the check above can fail")
    func brokenIsRefused() throws {
        var broken = Discovery.entities(GatewayConfiguration(deviceID: "pi4"))[0].document
        broken.stateTopic = nil
        let line = String(decoding: JSONWriter.object {
            $0.member("topic", "homeassistant/sensor/pi4/rssi/config")
            $0.member("config", raw: DocumentCoding.encode(broken))
        }, as: UTF8.self)
        let result = try check([line])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("REJECTED"))
    }
}
