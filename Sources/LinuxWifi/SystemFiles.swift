#if canImport(Glibc)
import Glibc
#endif
public import NetServer

/// What sysfs says about one network interface.
public struct InterfaceFiles: Sendable, Hashable {
    /// The kernel's index (`ifindex`).
    public var index: Int32?
    /// A wireless interface: `wireless/` or `phy80211` is present.
    public var isWireless: Bool
    /// RFC 2863 operational state as the kernel spells it: `up`, `down`, `dormant`,
    /// `lowerlayerdown`, `notpresent`, `testing` or `unknown`.
    public var operState: String?
    /// Carrier; nil when the kernel will not say (the interface is administratively down).
    public var carrier: Bool?
    /// Administratively up (`IFF_UP` in `flags`).
    public var isUp: Bool
    /// The hardware address.
    public var mac: MACAddress?

    /// Facts as given (the source reads them from sysfs; tests make them up).
    public init(index: Int32?, isWireless: Bool, operState: String?, carrier: Bool?, isUp: Bool, mac: MACAddress?) {
        self.index = index
        self.isWireless = isWireless
        self.operState = operState
        self.carrier = carrier
        self.isUp = isUp
        self.mac = mac
    }
}

/// Reads the files Linux keeps about network interfaces, below a root directory, so that
/// tests can point it at a recorded tree instead of the machine's own `/sys`, `/proc`, `/etc`.
public struct SystemFiles: Sendable {
    /// The directory that stands for `/` (`/` on a real host).
    public let root: String

    /// Files below `root`.
    public init(root: String = "/") {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// The interface's sysfs facts, or nil when `/sys/class/net/<name>` does not exist.
    public func interface(_ name: String) -> InterfaceFiles? {
        guard Self.isPlainName(name) else { return nil }
        let directory = "\(root)/sys/class/net/\(name)"
        guard access(directory, F_OK) == 0 else { return nil }
        let flags = read("\(directory)/flags").flatMap { UInt32($0.dropFirst(2), radix: 16) } ?? 0
        return InterfaceFiles(
            index: read("\(directory)/ifindex").flatMap { Int32($0) },
            isWireless: access("\(directory)/wireless", F_OK) == 0 || access("\(directory)/phy80211", F_OK) == 0,
            operState: read("\(directory)/operstate"),
            carrier: read("\(directory)/carrier").flatMap { $0 == "1" ? true : $0 == "0" ? false : nil },
            isUp: flags & 0x1 != 0,
            mac: read("\(directory)/address").flatMap(MACAddress.init))
    }

    /// The signal level of `name` in dBm from `/proc/net/wireless` (the wireless extensions'
    /// table, which every Wi-Fi driver still fills in), or nil.
    public func wirelessSignal(_ name: String) -> Int? {
        guard let text = read("\(root)/proc/net/wireless") else { return nil }
        return Self.parseWirelessSignal(text, interface: name)
    }

    /// The default IPv4 gateway through `name`, from `/proc/net/route`, or nil.
    public func defaultGateway(_ name: String) -> IPv4Address? {
        guard let text = read("\(root)/proc/net/route") else { return nil }
        return Self.parseDefaultGateway(text, interface: name)
    }

    /// The first two IPv4 name servers of `/etc/resolv.conf`.
    public func nameServers() -> [IPv4Address] {
        guard let text = read("\(root)/etc/resolv.conf") else { return [] }
        return Self.parseNameServers(text)
    }

    // MARK: Parsing (static, for fixtures)

    /// `/proc/net/wireless`: two heading lines, then `  wlan0: 0000   70.  -40.  -256 …`
    /// (status, link quality, level, noise). The level is dBm when the driver reports dBm,
    /// which every current driver does; a level of 0 or above means "not known".
    public static func parseWirelessSignal(_ text: String, interface: String) -> Int? {
        for line in text.split(separator: "\n").dropFirst(2) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 4, fields[0] == "\(interface):" else { continue }
            let level = fields[3].hasSuffix(".") ? fields[3].dropLast() : fields[3]
            guard let value = Int(level), value < 0, value >= -255 else { return nil }
            return value
        }
        return nil
    }

    /// `/proc/net/route`: `Iface Destination Gateway Flags RefCnt Use Metric Mask …` with
    /// addresses as host-order hex; the default route has destination and mask 0 and the
    /// gateway flag (0x2). The lowest metric wins.
    public static func parseDefaultGateway(_ text: String, interface: String) -> IPv4Address? {
        var best: (metric: Int, gateway: IPv4Address)?
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 8, fields[0] == interface, fields[1] == "00000000", fields[7] == "00000000",
                  let flags = UInt32(fields[3], radix: 16), flags & 0x3 == 0x3,
                  let raw = UInt32(fields[2], radix: 16), let metric = Int(fields[6]) else { continue }
            // The kernel prints the address as a native (little-endian) 32-bit number.
            let gateway = IPv4Address(UInt8(raw & 0xff), UInt8(raw >> 8 & 0xff), UInt8(raw >> 16 & 0xff), UInt8(raw >> 24))
            if best == nil || metric < best!.metric { best = (metric, gateway) }
        }
        return best?.gateway
    }

    /// `nameserver` lines with IPv4 addresses, at most two, in order.
    public static func parseNameServers(_ text: String) -> [IPv4Address] {
        var servers: [IPv4Address] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver", let address = IPv4Address(String(fields[1])) else { continue }
            servers.append(address)
            if servers.count == 2 { break }
        }
        return servers
    }

    /// No `/` or `..` in an interface name: it is joined into paths.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count < 16 && !name.contains("/") && name != "." && name != ".."
    }

    /// A small text file, without white space at the ends; nil when unreadable.
    func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        // These files are a few lines; /proc/net/route grows with the routing table, so cap it.
        while bytes.count < 1 << 20 {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes.append(contentsOf: chunk[..<count])
            if count < chunk.count { break }
        }
        if ferror(file) != 0 { return nil }  // e.g. `carrier` of a down interface: EINVAL
        let text = String(decoding: bytes, as: UTF8.self)
        var trimmed = Substring(text)
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        return String(trimmed)
    }
}
