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

/// Steele, Lea and Flood's SplitMix64: a tiny generator whose output is fixed by its seed on
/// every platform and Swift version, which the system generator and `random(in:using:)` are not.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `range`; the modulo bias is below 2^-50 for the small ranges used here.
    mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func nextByte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 56) }
}
