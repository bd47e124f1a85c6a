public import GatewayJSON
public import NetServer

/// The `<base>/wlan/state` payload of the MQTT contract: every field of a `WlanStatusIpc`, named
/// for people, plus the update's sequence number and arrival time.
public enum WlanStatePayload {
    /// The payload for `status`, the `seq`-th update since start (from 1), received at `receivedAt`.
    public static func make(_ status: WlanStatus, seq: Int, receivedAt: WallClockTime) -> JSONValue {
        let ipv4 = status.ipv4
        return .object([
            ("link_state", .string(status.linkState.name)),
            ("link_state_code", .int(Int(status.linkState.rawValue))),
            ("connected", .bool(status.linkState == .connected)),
            ("ssid", status.ssid.map { .string($0.name) } ?? .null),
            ("rssi_dbm", status.ssid.map { .int($0.rssiDBm) } ?? .null),
            ("ipv4", .object([
                ("dhcp", .string(ipv4.dhcp.name)),
                ("mac", .string(ipv4.mac.description)),
                ("address", .string(ipv4.addr.description)),
                ("gateway", .string(ipv4.gateway.description)),
                ("netmask", .string(ipv4.mask.description)),
                ("dns1", .string(ipv4.dns1.description)),
                ("dns2", .string(ipv4.dns2.description)),
            ])),
            ("seq", .int(seq)),
            ("received_at", .string(receivedAt.iso8601)),
        ])
    }
}
