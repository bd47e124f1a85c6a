public import GatewayControl
import GatewayJSON
public import NetServer

/// The `<base>/wlan/state` payload of the MQTT contract: every field of a `WlanStatusIpc`, named
/// for people, plus the update's sequence number and arrival time.
public enum WlanStatePayload {
    /// The payload's bytes for `status`, the `seq`-th update since start (from 1), received at
    /// `receivedAt`; what the gateway publishes for every update, so written by a byte writer
    /// rather than `JSONEncoder`, which costs several times as much (BENCHMARKS.md). Members
    /// are in ``WlanStateDocument``'s order of declaration, as they always were.
    public static func bytes(_ status: WlanStatus, seq: Int, receivedAt: WallClockTime) -> [UInt8] {
        let ipv4 = status.ipv4
        // 297 bytes for a typical update; an SSID of 32 bytes that all need escaping fits too.
        return JSONWriter.object(capacity: 512) { payload in
            payload.member("link_state", status.linkState.name)
            payload.member("link_state_code", Int(status.linkState.rawValue))
            payload.member("connected", status.linkState == .connected)
            if let ssid = status.ssid {
                payload.member("ssid", ssid.name)
                payload.member("rssi_dbm", ssid.rssiDBm)
            } else {
                payload.nullMember("ssid")
                payload.nullMember("rssi_dbm")
            }
            payload.member("ipv4") { object in
                object.member("dhcp", ipv4.dhcp.name)
                object.member("mac", ipv4.mac.description)
                object.member("address", ipv4.addr.description)
                object.member("gateway", ipv4.gateway.description)
                object.member("netmask", ipv4.mask.description)
                object.member("dns1", ipv4.dns1.description)
                object.member("dns2", ipv4.dns2.description)
            }
            payload.member("seq", seq)
            payload.member("received_at", receivedAt.iso8601)
        }
    }

    /// The same payload as a typed document, for the places that embed it in another (the
    /// status answer). PayloadTests checks that it reads the same as ``bytes(_:seq:receivedAt:)``.
    public static func document(_ status: WlanStatus, seq: Int, receivedAt: WallClockTime) -> WlanStateDocument {
        let ipv4 = status.ipv4
        return WlanStateDocument(
            linkState: status.linkState.name, linkStateCode: Int(status.linkState.rawValue),
            connected: status.linkState == .connected, ssid: status.ssid?.name, rssiDBm: status.ssid?.rssiDBm,
            ipv4: .init(
                dhcp: ipv4.dhcp.name, mac: ipv4.mac.description, address: ipv4.addr.description,
                gateway: ipv4.gateway.description, netmask: ipv4.mask.description, dns1: ipv4.dns1.description,
                dns2: ipv4.dns2.description),
            seq: seq, receivedAt: receivedAt.iso8601)
    }
}
