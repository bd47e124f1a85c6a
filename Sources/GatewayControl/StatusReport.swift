public import GatewayJSON

/// Renders gatewayd's status and Wi-Fi documents for people (`gatewayctl status` and `watch`).
///
/// Input is the `data` of a `status` response; fields that are missing print as `?` rather
/// than failing, so an older or newer gatewayd still gets a readable report.
public enum StatusReport {
    /// The multi-line report of `gatewayctl status`.
    public static func text(_ data: JSONValue) -> String {
        var lines: [String] = []
        let pid = data["pid"]?.intValue.map { " (pid \($0))" } ?? ""
        lines.append("gatewayd \(data["version"]?.stringValue ?? "?")\(pid), up \(duration(data["uptime_s"]?.intValue))")

        let mqtt = data["mqtt"] ?? .null
        let connected = mqtt["connected"]?.boolValue
        var broker = "\(mqtt["server"]?.stringValue ?? "?"), "
        broker += connected == true ? "connected" : connected == false ? "disconnected" : "?"
        if let since = mqtt["since"]?.stringValue {
            broker += " since \(since)"
            if let seconds = mqtt["for_s"]?.intValue { broker += " (\(duration(seconds)))" }
        }
        let reconnects = mqtt["reconnects"]?.intValue ?? 0
        broker += ", \(reconnects) reconnect\(reconnects == 1 ? "" : "s")"
        lines.append(row("Broker", broker))
        if let error = mqtt["last_error"]?.stringValue { lines.append(row("Last error", error)) }

        lines.append(row("Subscription", data["subscription"]?.stringValue ?? "?"))
        let wlan = data["wlan"]
        if let wlan, !wlan.isNull {
            lines.append(row("Wi-Fi", wifi(wlan)))
            lines.append(row("IPv4", ipv4(wlan)))
        } else {
            lines.append(row("Wi-Fi", "no status received yet"))
        }

        let counters = data["counters"] ?? .null
        func count(_ key: String) -> String { counters[key]?.intValue.map(String.init) ?? "?" }
        lines.append(row("Updates", "\(count("updates_received")) received, \(count("updates_published")) published, \(count("updates_dropped")) dropped"))
        // Only after it happened: most gateways never see their net server go.
        if let lost = counters["net_server_lost"]?.intValue, lost > 0 {
            lines.append(row("Net server", "went away \(lost) time\(lost == 1 ? "" : "s")"))
        }
        lines.append(row("Control", "\(count("control_ok")) ok, \(count("control_errors")) errors"))
        lines.append(row("Publishing", "\(count("published")) published, \(count("publish_errors")) errors"))
        lines.append(row("Topics", "base \(data["base_topic"]?.stringValue ?? "?"), device id \(data["device_id"]?.stringValue ?? "?")"))
        return lines.joined(separator: "\n")
    }

    /// One line per Wi-Fi status, for `gatewayctl watch`.
    public static func watchLine(_ wlan: JSONValue) -> String {
        let seq = wlan["seq"]?.intValue.map { "#\($0)" } ?? "#?"
        return "\(wlan["received_at"]?.stringValue ?? "?") \(seq) \(wifi(wlan)); \(ipv4(wlan))"
    }

    /// `connected to "XousNet", -52 dBm`, or the link state alone when there is no SSID.
    static func wifi(_ wlan: JSONValue) -> String {
        let state = (wlan["link_state"]?.stringValue ?? "?").replacingUnderscores()
        guard let ssid = wlan["ssid"]?.stringValue else { return state }
        // Quoted and escaped as JSON: an SSID is 32 arbitrary bytes and may hold anything.
        let quoted = JSONValue.string(ssid).serialized
        let rssi = wlan["rssi_dbm"]?.intValue.map { ", \($0) dBm" } ?? ""
        return wlan["connected"]?.boolValue == true ? "connected to \(quoted)\(rssi)" : "\(state), SSID \(quoted)\(rssi)"
    }

    /// `192.168.1.23, gateway 192.168.1.1 (DHCP bound)`.
    static func ipv4(_ wlan: JSONValue) -> String {
        let ipv4 = wlan["ipv4"] ?? .null
        let address = ipv4["address"]?.stringValue ?? "?"
        let gateway = ipv4["gateway"]?.stringValue ?? "?"
        return "\(address), gateway \(gateway) (DHCP \(ipv4["dhcp"]?.stringValue ?? "?"))"
    }

    static func row(_ label: String, _ value: String) -> String {
        label + ":" + String(repeating: " ", count: max(1, 14 - label.count)) + value
    }

    /// `3d 4h 05m`, `1h 02m 03s`, `2m 05s`, `7s`.
    public static func duration(_ seconds: Int?) -> String {
        guard let seconds, seconds >= 0 else { return "?" }
        let days = seconds / 86_400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60, rest = seconds % 60
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if days > 0 { return "\(days)d \(hours)h \(two(minutes))m" }
        if hours > 0 { return "\(hours)h \(two(minutes))m \(two(rest))s" }
        if minutes > 0 { return "\(minutes)m \(two(rest))s" }
        return "\(rest)s"
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? " " : $0 })
    }
}
