/// A generic netlink message, decoded: its `struct genlmsghdr` and the attributes after it.
public struct GenericMessage: Sendable, Hashable {
    /// `cmd`: the family's command (`CTRL_CMD_*`, `NL80211_CMD_*`).
    public var command: UInt8
    /// `version` of the family's protocol.
    public var version: UInt8
    /// The family's attributes.
    public var attributes: [NetlinkAttribute]

    /// A message with these parts.
    public init(command: UInt8, version: UInt8, attributes: [NetlinkAttribute]) {
        self.command = command
        self.version = version
        self.attributes = attributes
    }
}

/// Generic netlink: the controller, which maps family names ("nl80211") to the message type
/// the family uses on this boot, and the header every family's messages start with.
public enum GenericNetlink {
    /// `CTRL_CMD_NEWFAMILY`: the controller's reply about one family.
    static let commandNewFamily: UInt8 = 1
    /// `CTRL_CMD_GETFAMILY`.
    static let commandGetFamily: UInt8 = 3
    /// `CTRL_ATTR_FAMILY_ID` (u16).
    static let attributeFamilyID: UInt16 = 1
    /// `CTRL_ATTR_FAMILY_NAME` (NUL-terminated string).
    static let attributeFamilyName: UInt16 = 2
    /// `sizeof(struct genlmsghdr)`.
    static let headerSize = 4

    /// Decodes a generic netlink message. An `NLMSG_ERROR` refusal throws as the kernel's error
    /// (so a caller that passes replies straight in sees `ENOENT`, `ENODEV`, …); other control
    /// types and short payloads throw as malformed.
    public static func decode(_ message: NetlinkMessage) throws(NetlinkError) -> GenericMessage {
        if message.type == Netlink.MessageType.error, let refusal = try message.kernelError() {
            throw refusal
        }
        guard message.type >= Netlink.MessageType.genericControl else {
            throw NetlinkError("message type \(message.type) is a netlink control message, not generic netlink")
        }
        let attributes = try Netlink.attributes(in: message.payload, after: headerSize, "struct genlmsghdr")
        return GenericMessage(command: message.payload[0], version: message.payload[1], attributes: attributes)
    }

    /// `CTRL_ATTR_FAMILY_ID` from the controller's reply to `NetlinkRequest.getFamily(name:)`;
    /// nil when the reply lacks it. Throws the kernel's error for a refusal (`ENOENT`: no such
    /// family, e.g. no Wi-Fi driver loaded), and for anything but a `CTRL_CMD_NEWFAMILY` reply.
    public static func familyID(fromReply reply: NetlinkMessage) throws(NetlinkError) -> UInt16? {
        let message = try decode(reply)
        guard reply.type == Netlink.MessageType.genericControl, message.command == commandNewFamily else {
            throw NetlinkError("message type \(reply.type) command \(message.command) is not the controller's NEWFAMILY")
        }
        return try message.attributes.last(attributeFamilyID)?.u16()
    }
}

/// `NL80211_CMD_*` and `NL80211_ATTR_*` (`linux/nl80211.h`) that this module uses.
enum Nl80211 {
    static let commandGetInterface: UInt8 = 5
    static let commandNewInterface: UInt8 = 7
    static let commandGetStation: UInt8 = 17
    static let commandNewStation: UInt8 = 19
    static let attributeIndex: UInt16 = 3
    static let attributeName: UInt16 = 4
    static let attributeInterfaceType: UInt16 = 5
    static let attributeMAC: UInt16 = 6
    static let attributeStationInfo: UInt16 = 21
    static let attributeSSID: UInt16 = 52
    static let stationSignal: UInt16 = 7
    static let stationSignalAverage: UInt16 = 13
    /// `IEEE80211_MAX_SSID_LEN`.
    static let maxSSIDLength = 32
    /// `ETH_ALEN`.
    static let macLength = 6

    /// `NL80211_ATTR_IFINDEX`, a u32 holding the kernel's `int` index.
    static func index(in attributes: [NetlinkAttribute]) throws(NetlinkError) -> Int32? {
        (try attributes.last(attributeIndex)?.u32()).map { Int32(bitPattern: $0) }
    }

    /// The attributes of `message` when it is nl80211's `command`.
    static func attributes(of message: NetlinkMessage, command: UInt8, _ what: String) throws(NetlinkError) -> [NetlinkAttribute] {
        let decoded = try GenericNetlink.decode(message)
        guard decoded.command == command else {
            throw NetlinkError("nl80211 command \(decoded.command) is not \(what) (\(command))")
        }
        return decoded.attributes
    }
}

/// A wireless interface as nl80211 describes it in `NL80211_CMD_NEW_INTERFACE`, the reply to
/// `NetlinkRequest.nl80211GetInterface`.
public struct Nl80211Interface: Sendable, Hashable {
    /// `NL80211_ATTR_IFINDEX`.
    public var index: Int32?
    /// `NL80211_ATTR_IFNAME`.
    public var name: String?
    /// `NL80211_ATTR_SSID`: the SSID of the network the interface is connected to; absent when
    /// not connected. Raw bytes: an SSID need not be text.
    public var ssid: [UInt8]?
    /// `NL80211_ATTR_IFTYPE`: `NL80211_IFTYPE_STATION` (2) for a client.
    public var interfaceType: UInt32?

    /// `NL80211_IFTYPE_STATION`: a client of an access point.
    public static let typeStation: UInt32 = 2

    /// An interface with these facts.
    public init(index: Int32? = nil, name: String? = nil, ssid: [UInt8]? = nil, interfaceType: UInt32? = nil) {
        self.index = index
        self.name = name
        self.ssid = ssid
        self.interfaceType = interfaceType
    }

    /// Decodes `NL80211_CMD_NEW_INTERFACE`; throws for other commands, kernel refusals,
    /// malformed attributes and SSIDs longer than 32 bytes.
    public static func decode(_ message: NetlinkMessage) throws(NetlinkError) -> Nl80211Interface {
        let attributes = try Nl80211.attributes(of: message, command: Nl80211.commandNewInterface, "NEW_INTERFACE")
        return Nl80211Interface(
            index: try Nl80211.index(in: attributes),
            name: try attributes.last(Nl80211.attributeName)?.string(),
            ssid: try attributes.value(Nl80211.attributeSSID, sizes: 0...Nl80211.maxSSIDLength, "NL80211_ATTR_SSID"),
            interfaceType: try attributes.last(Nl80211.attributeInterfaceType)?.u32())
    }
}

/// A station as nl80211 describes it in `NL80211_CMD_NEW_STATION`, one message of the reply to
/// `NetlinkRequest.nl80211DumpStations`. On a client interface the one station is the access
/// point, so its signal is the link's signal.
public struct Nl80211Station: Sendable, Hashable {
    /// `NL80211_ATTR_IFINDEX`.
    public var index: Int32?
    /// `NL80211_ATTR_MAC`: the station's (on a client, the access point's) address.
    public var mac: [UInt8]?
    /// `NL80211_STA_INFO_SIGNAL` in `NL80211_ATTR_STA_INFO`: the last frame's signal, dBm.
    public var signalDBm: Int?
    /// `NL80211_STA_INFO_SIGNAL_AVG`: the driver's running average, dBm; steadier to show.
    public var signalAverageDBm: Int?

    /// A station with these facts.
    public init(index: Int32? = nil, mac: [UInt8]? = nil, signalDBm: Int? = nil, signalAverageDBm: Int? = nil) {
        self.index = index
        self.mac = mac
        self.signalDBm = signalDBm
        self.signalAverageDBm = signalAverageDBm
    }

    /// Decodes `NL80211_CMD_NEW_STATION`; throws for other commands, kernel refusals and
    /// malformed or wrongly sized attributes (the signals are one signed byte each, the MAC six).
    public static func decode(_ message: NetlinkMessage) throws(NetlinkError) -> Nl80211Station {
        let attributes = try Nl80211.attributes(of: message, command: Nl80211.commandNewStation, "NEW_STATION")
        let info = try attributes.last(Nl80211.attributeStationInfo)?.nested() ?? []
        return Nl80211Station(
            index: try Nl80211.index(in: attributes),
            mac: try attributes.value(Nl80211.attributeMAC, sizes: Nl80211.macLength...Nl80211.macLength, "NL80211_ATTR_MAC"),
            signalDBm: (try info.last(Nl80211.stationSignal)?.i8()).map { Int($0) },
            signalAverageDBm: (try info.last(Nl80211.stationSignalAverage)?.i8()).map { Int($0) })
    }
}
