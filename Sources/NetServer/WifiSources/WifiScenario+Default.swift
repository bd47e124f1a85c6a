import XousIPC
import SystemSupport

extension WifiScenario {
    /// The built-in scenario, the same for the same `seed`: disconnected, connecting to
    /// `XousNet`, connected with a DHCP lease (MAC `02:00:5e:…`, address `192.168.1.x`, gateway
    /// and first DNS `192.168.1.1`, netmask `255.255.255.0`), five steps of signal drift, a drop
    /// to disconnected, then connecting and connected again; it repeats.
    ///
    /// - Parameter intervalMs: the delay before every step, clamped into `1...maxDelayMs` (a
    ///   repeating scenario must not be all zero delays).
    public static func `default`(seed: UInt64, intervalMs: Int) -> WifiScenario {
        var random = SplitMix64(seed: seed)
        let delay = min(max(intervalMs, 1), maxDelayMs)
        let lease = Ipv4Conf(
            dhcp: .bound,
            mac: MACAddress(0x02, 0x00, 0x5e, random.nextByte(), random.nextByte(), random.nextByte()),
            addr: IPv4Address(192, 168, 1, UInt8(random.next(in: 2...254))),
            gateway: IPv4Address(192, 168, 1, 1), mask: IPv4Address(255, 255, 255, 0),
            dns1: IPv4Address(192, 168, 1, 1), dns2: .zero
        )
        func network(_ dBm: Int) -> SsidRecord { SsidRecord(validatedName: "XousNet", rssi: UInt8(-dBm)) }

        var dBm = -52 + random.next(in: -4...4)
        var states = [
            WlanStatus(ssid: nil, linkState: .disconnected, ipv4: .default),
            WlanStatus(ssid: network(dBm), linkState: .connecting, ipv4: .default),
            WlanStatus(ssid: network(dBm), linkState: .connected, ipv4: lease),
        ]
        for _ in 0..<5 {
            // Never a zero step, so that every drift step is a change a subscriber can see.
            let change = random.next(in: 1...3) * (random.next(in: 0...1) == 0 ? -1 : 1)
            dBm = min(max(dBm + change, -90), -30)
            states.append(WlanStatus(ssid: network(dBm), linkState: .connected, ipv4: lease))
        }
        states += [
            WlanStatus(ssid: nil, linkState: .disconnected, ipv4: .default),
            WlanStatus(ssid: network(dBm), linkState: .connecting, ipv4: .default),
            WlanStatus(ssid: network(dBm), linkState: .connected, ipv4: lease),
        ]
        return WifiScenario(validatedSteps: states.map { Step(delayMs: delay, status: $0) }, repeats: true)
    }
}

