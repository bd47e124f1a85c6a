import GatewayControl
import Testing

@Suite("What gatewayctl prints")
struct StatusReportTests {
    let wlan: WlanStateDocument = try! DocumentCoding.decode(WlanStateDocument.self, from: Array("""
        {"link_state":"connected","link_state_code":6,"connected":true,"ssid":"XousNet","rssi_dbm":-52,
         "ipv4":{"dhcp":"bound","mac":"02:00:5e:10:00:01","address":"192.168.1.23","gateway":"192.168.1.1",
                 "netmask":"255.255.255.0","dns1":"192.168.1.1","dns2":"0.0.0.0"},
         "seq":17,"received_at":"2026-11-24T12:00:00.123Z"}
        """.utf8))

    func status(connected: Bool, lastError: String?, wlan: WlanStateDocument?) -> StatusDocument {
        StatusDocument(
            version: "0.4.0", pid: 4242, startedAt: "2026-11-24T11:00:00.000Z", uptimeS: 3723, baseTopic: "wifi-gateway",
            deviceID: "pi",
            mqtt: .init(
                server: "mqtt://127.0.0.1:1883", connected: connected, since: "2026-11-24T11:58:00.000Z", forS: 125, connects: 2,
                reconnects: 1, lastError: lastError),
            subscription: "subscribed", wlan: wlan,
            counters: .init(
                updatesReceived: 17, updatesPublished: 16, updatesDropped: 1, bouncerIgnored: 0, controlOK: 3, controlErrors: 1,
                published: 40, publishErrors: 0, mqttReceived: 4))
    }

    @Test("the status report, line by line")
    func report() {
        let text = StatusReport.text(status(connected: true, lastError: nil, wlan: wlan))
        #expect(text == """
            gatewayd 0.4.0 (pid 4242), up 1h 02m 03s
            Broker:        mqtt://127.0.0.1:1883, connected since 2026-11-24T11:58:00.000Z (2m 05s), 1 reconnect
            Subscription:  subscribed
            Wi-Fi:         connected to "XousNet", -52 dBm
            IPv4:          192.168.1.23, gateway 192.168.1.1 (DHCP bound)
            Updates:       17 received, 16 published, 1 dropped
            Control:       3 ok, 1 errors
            Publishing:    40 published, 0 errors
            Topics:        base wifi-gateway, device id pi
            """)
    }

    @Test("disconnected: the error is shown; no Wi-Fi status yet says so")
    func disconnected() {
        let text = StatusReport.text(status(connected: false, lastError: "connection refused", wlan: nil))
        #expect(text.contains("Broker:        mqtt://127.0.0.1:1883, disconnected since "))
        #expect(text.contains("Last error:    connection refused"))
        #expect(text.contains("Wi-Fi:         no status received yet"))
        #expect(!text.contains("IPv4:"))
    }

    @Test("an SSID is quoted and escaped, so it cannot forge lines or colours on a terminal")
    func hostileSSID() throws {
        var hostile = wlan
        hostile.ssid = "evil\"\n\u{1b}[31mIPv4: 6.6.6.6"
        let line = StatusReport.watchLine(hostile)
        #expect(!line.contains("\n"))
        #expect(!line.contains("\u{1b}"))
        #expect(line.contains(#""evil\"\n\u001b[31mIPv4: 6.6.6.6""#))
    }

    @Test("a watch line has time, seq, link, SSID, signal and addresses")
    func watchLine() {
        #expect(StatusReport.watchLine(wlan)
            == #"2026-11-24T12:00:00.123Z #17 connected to "XousNet", -52 dBm; 192.168.1.23, gateway 192.168.1.1 (DHCP bound)"#)
    }

    @Test("missing fields print as ? instead of failing")
    func missingFields() {
        let text = StatusReport.text(try! DocumentCoding.decode(StatusDocument.self, from: Array("{}".utf8)))
        #expect(text.hasPrefix("gatewayd ?, up ?"))
        #expect(text.contains("Updates:       ? received"))
    }

    @Test("durations", arguments: [
        (0, "0s"), (59, "59s"), (60, "1m 00s"), (3599, "59m 59s"), (3600, "1h 00m 00s"), (86_399, "23h 59m 59s"),
        (86_400, "1d 0h 00m"), (190_000, "2d 4h 46m"),
    ])
    func durations(_ seconds: Int, _ text: String) {
        #expect(StatusReport.duration(seconds) == text)
    }
}
