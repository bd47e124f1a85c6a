import GatewayJSON

/// Renders gatewayd's status and Wi-Fi documents for people (`gatewayctl status` and `watch`).
///
/// Input is the `data` of a `status` response; fields that are missing print as `?` rather
/// than failing, so an older or newer gatewayd still gets a readable report.
public enum StatusReport {
    /// The multi-line report of `gatewayctl status`.
    public static func text(_ data: StatusDocument) -> String {
        var lines: [String] = []
        let pid = data.pid.map { " (pid \($0))" } ?? ""
        lines.append("gatewayd \(data.version ?? "?")\(pid), up \(duration(data.uptimeS))")

        let mqtt = data.mqtt ?? .init()
        var broker = "\(mqtt.server ?? "?"), "
        broker += mqtt.connected == true ? "connected" : mqtt.connected == false ? "disconnected" : "?"
        if let since = mqtt.since {
            broker += " since \(since)"
            if let seconds = mqtt.forS { broker += " (\(duration(seconds)))" }
        }
        let reconnects = mqtt.reconnects ?? 0
        broker += ", \(reconnects) reconnect\(reconnects == 1 ? "" : "s")"
        lines.append(row("Broker", broker))
        if let error = mqtt.lastError { lines.append(row("Last error", error)) }

        lines.append(row("Subscription", data.subscription ?? "?"))
        if let wlan = data.wlan {
            lines.append(row("Wi-Fi", wifi(wlan)))
            lines.append(row("IPv4", ipv4(wlan)))
        } else {
            lines.append(row("Wi-Fi", "no status received yet"))
        }

        let counters = data.counters ?? .init()
        func count(_ value: Int?) -> String { value.map(String.init) ?? "?" }
        lines.append(row(
            "Updates",
            "\(count(counters.updatesReceived)) received, \(count(counters.updatesPublished)) published, \(count(counters.updatesDropped)) dropped"))
        // Only after it happened: most gateways never see their net server go.
        if let lost = counters.netServerLost, lost > 0 {
            lines.append(row("Net server", "went away \(lost) time\(lost == 1 ? "" : "s")"))
        }
        lines.append(row("Control", "\(count(counters.controlOK)) ok, \(count(counters.controlErrors)) errors"))
        lines.append(row("Publishing", "\(count(counters.published)) published, \(count(counters.publishErrors)) errors"))
        lines.append(row("Topics", "base \(data.baseTopic ?? "?"), device id \(data.deviceID ?? "?")"))
        return lines.joined(separator: "\n")
    }

    /// One line per Wi-Fi status, for `gatewayctl watch`.
    public static func watchLine(_ wlan: WlanStateDocument) -> String {
        let seq = wlan.seq.map { "#\($0)" } ?? "#?"
        return "\(wlan.receivedAt ?? "?") \(seq) \(wifi(wlan)); \(ipv4(wlan))"
    }

    /// `connected to "XousNet", -52 dBm`, or the link state alone when there is no SSID.
    static func wifi(_ wlan: WlanStateDocument) -> String {
        let state = (wlan.linkState ?? "?").replacingUnderscores()
        guard let ssid = wlan.ssid else { return state }
        // Quoted and escaped as JSON: an SSID is 32 arbitrary bytes and may hold anything.
        let quoted = JSONWriter.quoted(ssid)
        let rssi = wlan.rssiDBm.map { ", \($0) dBm" } ?? ""
        return wlan.connected == true ? "connected to \(quoted)\(rssi)" : "\(state), SSID \(quoted)\(rssi)"
    }

    /// `192.168.1.23, gateway 192.168.1.1 (DHCP bound)`.
    static func ipv4(_ wlan: WlanStateDocument) -> String {
        let ipv4 = wlan.ipv4 ?? .init()
        return "\(ipv4.address ?? "?"), gateway \(ipv4.gateway ?? "?") (DHCP \(ipv4.dhcp ?? "?"))"
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
