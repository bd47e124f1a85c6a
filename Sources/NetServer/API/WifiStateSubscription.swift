public import XousIPC

/// A request to be told of every Wi-Fi state change: Xous's `WifiStateSubscription`
/// (`sid: [u32; 4], opcode: u32`). The net server sends each new state to `sid` as a message
/// with `opcode`.
///
/// Archived (rkyv) as 20 bytes, alignment 4: the SID's four words (`[u32; 4]`), then `opcode`.
///
/// The SID is the subscriber's capability, so none of this type's printed forms reveal it.
public struct WifiStateSubscription: Archivable, Hashable, Sendable,
    CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
{
    private static let fields = ArchivedStruct(SID.archivedLayout, UInt32.archivedLayout)

    /// The server that receives the updates.
    public var sid: SID
    /// The opcode of each update message.
    public var opcode: UInt32

    /// A subscription delivering to `sid` with `opcode`.
    public init(sid: SID, opcode: UInt32) {
        self.sid = sid
        self.opcode = opcode
    }

    public static var archivedLayout: ArchivedLayout { fields.layout }

    public func archive(at position: Int, into writer: inout ArchiveWriter) {
        sid.archive(at: position + Self.fields.offsets[0], into: &writer)
        opcode.archive(at: position + Self.fields.offsets[1], into: &writer)
    }

    /// Reads the SID's four words and then `opcode`; any values are accepted.
    public init(archivedAt position: Int, in reader: ArchiveReader) throws(WireError) {
        sid = try SID(archivedAt: position + Self.fields.offsets[0], in: reader)
        opcode = try reader.uint32(at: position + Self.fields.offsets[1], "WifiStateSubscription.opcode")
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
