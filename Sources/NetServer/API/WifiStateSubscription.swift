public import XousIPC

/// A request to be told of every Wi-Fi state change: Xous's `WifiStateSubscription`
/// (`sid: [u32; 4], opcode: u32`). The net server sends each new state to `sid` as a message
/// with `opcode`.
///
/// Wire layout, little-endian, always 20 bytes: the SID's four words, then `opcode`.
///
/// The SID is the subscriber's capability, so none of this type's printed forms reveal it.
public struct WifiStateSubscription: WireCodable, Hashable, Sendable,
    CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
{
    /// The size of the wire form in bytes.
    public static let encodedSize = 20

    /// The server that receives the updates.
    public var sid: SID
    /// The opcode of each update message.
    public var opcode: UInt32

    /// A subscription delivering to `sid` with `opcode`.
    public init(sid: SID, opcode: UInt32) {
        self.sid = sid
        self.opcode = opcode
    }

    /// Appends the SID's four words and then `opcode`.
    public func encode(to writer: inout WireWriter) {
        let words = sid.words
        writer.write(words.0)
        writer.write(words.1)
        writer.write(words.2)
        writer.write(words.3)
        writer.write(opcode)
    }

    /// Reads the SID's four words and then `opcode`; any values are accepted.
    public init(from reader: inout WireReader) throws(WireError) {
        let words = (
            try reader.readUInt32("WifiStateSubscription.sid[0]"), try reader.readUInt32("WifiStateSubscription.sid[1]"),
            try reader.readUInt32("WifiStateSubscription.sid[2]"), try reader.readUInt32("WifiStateSubscription.sid[3]")
        )
        sid = SID(words: words)
        opcode = try reader.readUInt32("WifiStateSubscription.opcode")
    }

    /// `WifiStateSubscription(sid: SID(redacted), opcode: N)`.
    public var description: String { "WifiStateSubscription(sid: SID(redacted), opcode: \(opcode))" }
    /// The same as `description`.
    public var debugDescription: String { description }
    /// A mirror whose `sid` child is the text `SID(redacted)`, so `dump` cannot reach the words.
    public var customMirror: Mirror {
        Mirror(self, children: ["sid": "SID(redacted)", "opcode": opcode], displayStyle: .struct)
    }
}
