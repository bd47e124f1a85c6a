/// Turns parsed scenario lines into steps, carrying every field a line does not name over from
/// the previous step.
struct ScenarioStepBuilder {
    static let keys = ["link", "ssid", "rssi", "dhcp", "mac", "address", "gateway", "netmask", "dns1", "dns2", "ipv4", "delay_ms"]

    let source: String
    let defaultDelayMs: Int
    private(set) var steps: [WifiScenario.Step] = []
    private var status = WlanStatus.default
    // Kept apart from `status.ssid` so that a network named again after `ssid=none` gets back
    // the last strength rather than 0 dBm.
    private var ssidName: String?
    private var rssi: UInt8 = 0

    init(source: String, defaultDelayMs: Int) {
        self.source = source
        self.defaultDelayMs = defaultDelayMs
    }

    mutating func addStep(_ pairs: [ScenarioPair], line: Int) throws(ScenarioError) {
        func refuse(_ key: String, _ reason: String) -> ScenarioError {
            ScenarioError(source: source, line: line, key: key, reason: reason)
        }
        func badValue(_ pair: ScenarioPair, _ expected: String) -> ScenarioError {
            refuse(pair.key, "bad value '\(pair.value)' for key '\(pair.key)'; expected \(expected)")
        }
        var seen = Set<String>()
        for pair in pairs {
            guard Self.keys.contains(pair.key) else {
                throw refuse(pair.key, "unknown key '\(pair.key)'; expected one of \(Self.keys.joined(separator: ", "))")
            }
            guard seen.insert(pair.key).inserted else {
                throw refuse(pair.key, "key '\(pair.key)' given twice; expected each key at most once per line")
            }
        }

        var next = status
        var delay = defaultDelayMs
        // `ipv4=none` goes first so that the same line can reset and then set single fields.
        if let reset = pairs.first(where: { $0.key == "ipv4" }) {
            guard reset.value == "none", !reset.quoted else { throw badValue(reset, "none (to reset every IPv4 field)") }
            next.ipv4 = .default
        }
        for pair in pairs {
            switch pair.key {
            case "link":
                guard let state = LinkState(name: pair.value) else {
                    throw badValue(pair, "one of \(LinkState.allCases.map(\.name).joined(separator: ", "))")
                }
                next.linkState = state
            case "dhcp":
                guard let state = DhcpState(name: pair.value) else {
                    throw badValue(pair, "one of \(DhcpState.allCases.map(\.name).joined(separator: ", "))")
                }
                next.ipv4.dhcp = state
            case "ssid":
                if pair.value == "none", !pair.quoted {
                    ssidName = nil
                } else {
                    let length = pair.value.utf8.count
                    guard length <= SsidRecord.maxNameBytes else {
                        throw refuse("ssid", "value '\(pair.value)' for key 'ssid' is \(length) bytes of UTF-8; expected at most \(SsidRecord.maxNameBytes)")
                    }
                    ssidName = pair.value
                }
            case "rssi":
                guard let dBm = Int(pair.value), (-255...0).contains(dBm) else {
                    throw badValue(pair, "a whole number of dBm in -255...0, such as -52")
                }
                rssi = UInt8(-dBm)
            case "mac":
                guard let mac = MACAddress(pair.value) else {
                    throw badValue(pair, "six pairs of hex digits such as 02:00:5e:10:00:01")
                }
                next.ipv4.mac = mac
            case "address", "gateway", "netmask", "dns1", "dns2":
                guard let address = IPv4Address(pair.value) else {
                    throw badValue(pair, "a dotted quad such as 192.168.1.23")
                }
                switch pair.key {
                case "address": next.ipv4.addr = address
                case "gateway": next.ipv4.gateway = address
                case "netmask": next.ipv4.mask = address
                case "dns1": next.ipv4.dns1 = address
                default: next.ipv4.dns2 = address
                }
            case "delay_ms":
                guard let milliseconds = Int(pair.value), (0...WifiScenario.maxDelayMs).contains(milliseconds) else {
                    throw badValue(pair, "a whole number of milliseconds in 0...\(WifiScenario.maxDelayMs)")
                }
                delay = milliseconds
            default:
                break // `ipv4`, handled above
            }
        }
        if seen.contains("rssi"), ssidName == nil {
            throw refuse("rssi", "key 'rssi' given but this step has no ssid; expected ssid=NAME on this or an earlier line")
        }
        next.ssid = ssidName.map { SsidRecord(validatedName: $0, rssi: rssi) }
        status = next
        steps.append(WifiScenario.Step(delayMs: delay, status: next))
    }
}
