import GatewayConfig
import Testing

/// Found with the config fuzzer's seeds (scripts/fuzz): an alias used as a mapping key made Yams
/// hash the whole expanded tree it names, so a 700-byte file kept gatewayd busy for minutes.
@Suite("Settings: YAML aliases")
struct AliasKeyTests {
    /// Anchors `a0`…`aN`, each a list of nine aliases of the one before.
    static func nested(_ levels: Int) -> String {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...levels {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("an alias of a nested anchor used as a key is refused at once, with its line")
    func aliasKeyRefusedQuickly() {
        let yaml = Self.nested(7) + "? *a7\n: 1\n"
        let start = ContinuousClock.now
        let found = problems(yaml)
        #expect(ContinuousClock.now - start < .seconds(2), "took \(ContinuousClock.now - start)")
        #expect(found.count == 1)
        #expect(found.first?.hasSuffix("gatewayd.yaml:9: an alias (*name) is used as a key; write the key out") == true, "\(found)")
    }

    @Test("an alias inside a collection key, or as a plain key, is refused too", arguments: [
        "a: &a [1, 2]\n? [*a, 3]\n: x\n",
        "a: &k mqtt\n*k : {user: u}\n",
        "mqtt:\n  server: &s mqtt://h\n  {*s : 1}: 2\n",
    ])
    func aliasInKeys(_ yaml: String) {
        let found = problems(yaml)
        #expect(found.contains { $0.contains("an alias (*name) is used as a key") }, "\(found)")
    }

    @Test("aliases as values still work, and a * in text is not an alias")
    func aliasValuesAndStars() throws {
        let yaml = """
            health:
              interval_s: &seconds 30
            source:
              signal_interval_s: *seconds
            mqtt:
              user: a*b
              password: "*p*"
              client_id: |
                *not an alias*
              # *neither*
            """
        let settings = try load(yaml)
        #expect(settings.int("health.interval_s") == 30)
        #expect(settings.int("source.signal_interval_s") == 30)
        #expect(settings.string("mqtt.user") == "a*b")
        #expect(settings.string("mqtt.password") == "*p*")
        #expect(settings.string("mqtt.client_id") == "*not an alias*\n")
    }
}
