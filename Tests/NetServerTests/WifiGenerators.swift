@testable import NetServer
import PropertyBased
import XousIPC

/// Random values of the Wi-Fi API types, for property checks.
enum WifiGen {
    static let ipv4Address = Gen<UInt8>.value().array(of: 4).map { IPv4Address(octets: $0)! }
    static let macAddress = Gen<UInt8>.value().array(of: 6).map { MACAddress(octets: $0)! }

    /// Any Unicode text of at most 32 UTF-8 bytes, mixing 1- to 4-byte scalars.
    static let ssidName = Gen<UInt32>.value(in: 0...0x10FFFF).compactMap(Unicode.Scalar.init)
        .array(of: 0...20)
        .map { scalars in
            var name = ""
            for scalar in scalars where name.utf8.count + String(scalar).utf8.count <= SsidRecord.maxNameBytes {
                name.unicodeScalars.append(scalar)
            }
            return name
        }

    static let ssid = zip(ssidName, Gen<UInt8>.value()).map { name, rssi in try! SsidRecord(name: name, rssi: rssi) }

    static let ipv4Conf = zip(Gen<DhcpState>.case, macAddress, ipv4Address, ipv4Address, ipv4Address, ipv4Address, ipv4Address)
        .map { Ipv4Conf(dhcp: $0.0, mac: $0.1, addr: $0.2, gateway: $0.3, mask: $0.4, dns1: $0.5, dns2: $0.6) }

    static let status = zip(ssid.optional, Gen<LinkState>.case, ipv4Conf)
        .map { WlanStatus(ssid: $0.0, linkState: $0.1, ipv4: $0.2) }

    /// Wire states with any link number and any IPv4 words, not only those `WlanStatus` makes.
    static let statusIpc = zip(ssid.optional, Gen<UInt16>.value(), Gen<UInt16>.value().array(of: 14))
        .map { try! WlanStatusIpc(ssid: $0.0, linkState: $0.1, ipv4: $0.2) }
}
