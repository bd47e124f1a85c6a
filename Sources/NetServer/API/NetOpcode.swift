public import XousIPC

/// The name the net server registers under (`SERVER_NAME_NET`). Xous bakes it into `libstd`,
/// so it cannot change.
public let serverNameNet = "_Middleware Network Server_"

/// The net server's opcodes (`services/net/src/api.rs`, `Opcode`), with Xous's numbers.
/// Only the ones this model answers are listed; 2–10 are retired in Xous.
public enum NetOpcode: MessageID, Sendable, CaseIterable {
    /// MutableBorrow of an `Ipv4ConfigReply`; filled with the current configuration.
    case getIpv4Config = 20
    /// Move of a `WifiStateSubscription`; forwarded to the connection manager.
    case subscribeWifiStats = 22
    /// BlockingScalar with the four SID words; forwarded; always answered 1.
    case unsubWifiStats = 23
    /// Scalar from the Wi-Fi event source: the chip's state changed.
    case comInterrupt = 26
    /// Scalar, accepted from the net server's own process only: shut down.
    case quit = 29

    /// Opcodes must stay below this flag; the main loop dispatches on `id & 0x7fff`.
    public static let nonblockingFlag: MessageID = 0x8000
}

/// What the one-time bouncer server accepts (`WifiStateCallback`): nothing else.
public enum WifiStateCallback: MessageID, Sendable, CaseIterable {
    /// Move of a `WlanStatusIpc` from the net server.
    case update = 0
    /// BlockingScalar from the subscriber's own `NetManager`: answer 1 and shut down.
    case drop = 1
}

/// The private connection manager's opcodes (`ConnectionManagerOpcode`), Xous's numbers.
enum ConnectionManagerOpcode: MessageID, Sendable {
    case subscribeWifiStats = 6
    case unsubWifiStats = 7
    case comInt = 9
    case quit = 12
    /// Model only: a subscriber's pusher found its server gone (args: CID, serial).
    case subscriberGone = 0x7f01
}

/// COM interrupt bits (`com_rs`), carried in `ComInterrupt`'s first argument.
public enum ComInterruptBits {
    /// The Wi-Fi chip's IP configuration changed.
    public static let wlanIpConfigUpdate: UInt = 0x0002
    /// The Wi-Fi link went down.
    public static let wlanDisconnect: UInt = 0x0040
    /// The Wi-Fi link came up.
    public static let wlanConnectEvent: UInt = 0x0080
}

/// Answer to `GetIpv4Config`, Xous's `Option<[u16; 14]>`: a `u16` tag (0 none, 1 some) then the
/// 14 words of `Ipv4Conf` (zero when none). 30 bytes.
public struct Ipv4ConfigReply: WireCodable, Equatable {
    /// The configuration, nil when the net server has none.
    public var words: [UInt16]?

    /// A reply carrying `words` (exactly 14) or nothing.
    public init(words: [UInt16]?) { self.words = words }

    public func encode(to writer: inout WireWriter) {
        writer.write(UInt16(words == nil ? 0 : 1))
        for word in words ?? Array(repeating: 0, count: 14) { writer.write(word) }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let tag = try reader.readUInt16("tag")
        var words: [UInt16] = []
        for _ in 0..<14 { words.append(try reader.readUInt16("ipv4")) }
        switch tag {
        case 0: self.words = nil
        case 1: self.words = words
        default: throw .invalidValue(field: "tag", value: UInt64(tag))
        }
    }
}
