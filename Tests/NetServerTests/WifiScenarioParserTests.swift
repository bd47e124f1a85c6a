#if canImport(Glibc)
import Glibc
#endif
import NetServer
import TestHarness
import Testing

@Suite struct WifiScenarioParserTests {
    /// The example from `WifiScenario.parse`'s documentation and the README.
    static let documentedExample = """
        # Join, drift, drop out, come back.
        link=disconnected
        link=connecting ssid="Xous Net" rssi=-60 delay_ms=500
        link=connected rssi=-52 dhcp=bound mac=02:00:5e:10:00:01 address=192.168.1.23 gateway=192.168.1.1 netmask=255.255.255.0 dns1=192.168.1.1 dns2=0.0.0.0
        rssi=-57
        link=disconnected ssid=none ipv4=none delay_ms=2000
        repeat
        """

    @Test func parsesTheDocumentedExample() throws {
        let scenario = try WifiScenario.parse(Self.documentedExample, source: "example.txt", defaultIntervalMs: 1000)
        #expect(scenario.repeats)
        #expect(scenario.steps.map(\.delayMs) == [1000, 500, 1000, 1000, 2000])
        let statuses = scenario.steps.map(\.status)
        #expect(statuses.map(\.linkState) == [.disconnected, .connecting, .connected, .connected, .disconnected])
        #expect(statuses[0].ssid == nil)
        #expect(statuses[0].ipv4 == .default)
        #expect(statuses[1].ssid == (try SsidRecord(name: "Xous Net", rssiDBm: -60)))
        #expect(statuses[2].ssid == (try SsidRecord(name: "Xous Net", rssiDBm: -52)))
        #expect(statuses[2].ipv4 == sampleStatus().ipv4)
        // Only rssi changes on line 5; everything else carries over.
        #expect(statuses[3].ssid?.rssiDBm == -57)
        #expect(statuses[3].ipv4 == statuses[2].ipv4)
        #expect(statuses[3].linkState == .connected)
        #expect(statuses[4].ssid == nil)
        #expect(statuses[4].ipv4 == .default)
    }

    @Test func firstStepStartsFromTheDefaultStatus() throws {
        let scenario = try WifiScenario.parse("delay_ms=0", source: "s", defaultIntervalMs: 10)
        #expect(scenario.steps == [WifiScenario.Step(delayMs: 0, status: .default)])
        #expect(!scenario.repeats)
    }

    @Test func quotingEscapesAndTheNoneWord() throws {
        let text = #"""
            ssid="none" rssi=-1
            ssid="say \"hi\" \\ bye"
            ssid=none
            ssid=Back
            ssid="" rssi=0
            """#
        let statuses = try WifiScenario.parse(text, source: "q", defaultIntervalMs: 1).steps.map(\.status)
        #expect(statuses[0].ssid?.name == "none")
        #expect(statuses[1].ssid?.name == #"say "hi" \ bye"#)
        #expect(statuses[2].ssid == nil)
        #expect(statuses[3].ssid == (try SsidRecord(name: "Back", rssiDBm: -1)))  // strength kept across none
        #expect(statuses[4].ssid == (try SsidRecord(name: "", rssi: 0)))
    }

    @Test func toleratesCommentsBlankLinesTabsAndCRLF() throws {
        let text = "  # comment\r\n\r\n\tlink=connected\tssid=A  rssi=-3 \r\n   \r\n# trailing comment\r\n"
        let scenario = try WifiScenario.parse(text, source: "crlf", defaultIntervalMs: 5)
        #expect(scenario.steps.count == 1)
        #expect(scenario.steps[0].status.ssid == (try SsidRecord(name: "A", rssiDBm: -3)))
        #expect(scenario.steps[0].status.linkState == .connected)
    }

    @Test func ipv4NoneAppliesBeforeTheOtherKeysOfItsLine() throws {
        let text = "address=10.0.0.2 dhcp=bound\nnetmask=255.0.0.0 ipv4=none"
        let last = try #require(try WifiScenario.parse(text, source: "s", defaultIntervalMs: 1).steps.last)
        #expect(last.status.ipv4 == Ipv4Conf(mask: IPv4Address(255, 0, 0, 0)))
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let text: String
        let line: Int?
        let key: String?
        let phrase: String
        var testDescription: String { text.debugDescription }
    }

    static let badInputs: [Bad] = [
        Bad(text: "link=connected\nrsi=-50", line: 2, key: "rsi", phrase: "unknown key 'rsi'; expected one of link, ssid, rssi"),
        Bad(text: "link=conected", line: 1, key: "link", phrase: "bad value 'conected' for key 'link'; expected one of unknown, reset_hold"),
        Bad(text: "ssid=\"\(String(repeating: "x", count: 33))\"", line: 1, key: "ssid", phrase: "33 bytes"),
        Bad(text: "ssid=\(String(repeating: "é", count: 17))", line: 1, key: "ssid", phrase: "34 bytes"),
        Bad(text: "ssid=x rssi=-256", line: 1, key: "rssi", phrase: "-255...0"),
        Bad(text: "ssid=x rssi=5", line: 1, key: "rssi", phrase: "-255...0"),
        Bad(text: "ssid=x rssi=strong", line: 1, key: "rssi", phrase: "bad value 'strong'"),
        Bad(text: "link=connected rssi=-50", line: 1, key: "rssi", phrase: "no ssid"),
        Bad(text: "dhcp=bond", line: 1, key: "dhcp", phrase: "expected one of halted, init"),
        Bad(text: "\n\nmac=02:00:5e:10:00", line: 3, key: "mac", phrase: "02:00:5e:10:00:01"),
        Bad(text: "address=192.168.1.256", line: 1, key: "address", phrase: "dotted quad"),
        Bad(text: "gateway=x", line: 1, key: "gateway", phrase: "dotted quad"),
        Bad(text: "netmask=255.255.255", line: 1, key: "netmask", phrase: "dotted quad"),
        Bad(text: "dns1=1.1.1.1.1", line: 1, key: "dns1", phrase: "dotted quad"),
        Bad(text: "dns2=", line: 1, key: "dns2", phrase: "no value"),
        Bad(text: "ipv4=clear", line: 1, key: "ipv4", phrase: "expected none"),
        Bad(text: "ipv4=\"none\"", line: 1, key: "ipv4", phrase: "expected none"),
        Bad(text: "delay_ms=-1", line: 1, key: "delay_ms", phrase: "milliseconds"),
        Bad(text: "delay_ms=soon", line: 1, key: "delay_ms", phrase: "milliseconds"),
        Bad(text: "link=connected link=connecting", line: 1, key: "link", phrase: "given twice"),
        Bad(text: "ssid=\"open", line: 1, key: "ssid", phrase: "unterminated quote"),
        Bad(text: "ssid=\"a\"b", line: 1, key: "ssid", phrase: "after the closing quote"),
        Bad(text: "ssid=a\"b", line: 1, key: "ssid", phrase: "quote inside"),
        Bad(text: "ssid=\"a\\n\"", line: 1, key: "ssid", phrase: "bad escape"),
        Bad(text: "link connected", line: 1, key: "link", phrase: "not key=value"),
        Bad(text: "# nothing\n\n", line: nil, key: nil, phrase: "no steps"),
        Bad(text: "", line: nil, key: nil, phrase: "no steps"),
        Bad(text: "link=connected\nrepeat\nlink=disconnected", line: 2, key: "repeat", phrase: "line 3 follows"),
        Bad(text: "repeat\nrepeat", line: 1, key: "repeat", phrase: "must be the last"),
        Bad(text: "link=connected delay_ms=0\nrepeat", line: 2, key: "repeat", phrase: "without pause"),
    ]

    @Test(arguments: badInputs)
    func refusesWithFileLineAndKey(_ bad: Bad) {
        do {
            let scenario = try WifiScenario.parse(bad.text, source: "scenario.txt", defaultIntervalMs: 100)
            Issue.record("parsed into \(scenario.steps.count) steps")
        } catch {
            #expect(error.source == "scenario.txt")
            #expect(error.line == bad.line)
            #expect(error.key == bad.key)
            let place = bad.line.map { "scenario.txt:\($0): " } ?? "scenario.txt: "
            #expect(error.description.hasPrefix(place), "\(error)")
            if let key = bad.key { #expect(error.description.contains("'\(key)'"), "\(error)") }
            #expect(error.description.contains(bad.phrase), "\(error)")
        }
    }

    @Test func repeatNeedsNoDelayWhenTheIntervalIsNonZero() throws {
        #expect(try WifiScenario.parse("link=connected\nrepeat", source: "s", defaultIntervalMs: 1).repeats)
    }

    @Test func loadsAFileAndNamesItInErrors() throws {
        let path = "/tmp/netserver-scenario-\(getpid()).txt"
        defer { unlink(path) }
        let file = try #require(fopen(path, "w"))
        fputs("link=connected ssid=Lab rssi=-40\nrsi=-41\n", file)
        fclose(file)
        do {
            _ = try WifiScenario.load(path: path, defaultIntervalMs: 10)
            Issue.record("a bad file loaded")
        } catch {
            #expect(error.description.hasPrefix("\(path):2: unknown key 'rsi'"), "\(error)")
        }
        let good = try #require(fopen(path, "w"))
        fputs("link=connected ssid=Lab rssi=-40\n", good)
        fclose(good)
        let scenario = try WifiScenario.load(path: path, defaultIntervalMs: 10)
        #expect(scenario.steps.map(\.status.ssid) == [try SsidRecord(name: "Lab", rssiDBm: -40)])
    }

    @Test func shippedScenarioFileLoads() throws {
        let scenario = try WifiScenario.load(path: repositoryRoot + "/scenarios/roaming.scenario", defaultIntervalMs: 500)
        #expect(scenario.repeats)
        #expect(scenario.steps.first?.status.linkState == .disconnected)
        #expect(scenario.steps.contains { $0.status.ipv4.dhcp == .bound })
    }

    @Test func unreadableFileIsAnErrorNamingThePath() {
        let path = "/nonexistent/dir/scenario.txt"
        let error = #expect(throws: ScenarioError.self) { try WifiScenario.load(path: path, defaultIntervalMs: 10) }
        #expect(error?.source == path)
        #expect(error?.line == nil)
        #expect(error?.description.hasPrefix("\(path): cannot open") == true, "\(String(describing: error))")
    }
}
