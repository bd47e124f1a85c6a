/// A server ID: four 32-bit words that name a server and are the capability to send it messages.
///
/// Whoever holds a SID can connect to its server and send it anything, so a SID is a secret.
/// Its printed forms (`description`, `debugDescription`, `dump`, string interpolation) are
/// `SID(redacted)` by construction; the words leave this type only through `words`, which
/// exists for putting them into a message, the way Xous's `to_array()` does.
public struct SID: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let w0, w1, w2, w3: UInt32

    /// A SID from its four words (Xous's `SID::from_array`).
    public init(words: (UInt32, UInt32, UInt32, UInt32)) {
        (w0, w1, w2, w3) = words
    }

    /// A SID from the first four entries of `array`; nil unless it has exactly four.
    public init?(array: [UInt32]) {
        guard array.count == 4 else { return nil }
        self.init(words: (array[0], array[1], array[2], array[3]))
    }

    /// A SID from up to 16 bytes, read as little-endian words (Xous's `SID::from_bytes`), as used
    /// for the well-known servers such as `b"xous-name-server"`. Nil when longer than 16 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count <= 16 else { return nil }
        var words = [UInt32](repeating: 0, count: 4)
        for (index, byte) in bytes.enumerated() {
            words[index / 4] |= UInt32(byte) << (8 * (index % 4))
        }
        self.init(words: (words[0], words[1], words[2], words[3]))
    }

    /// A fresh SID from the system's secure random generator (`getrandom` on Linux), as
    /// Xous's kernel draws one from its TRNG: unguessable, so holding it is the only way in.
    public static func random() -> SID {
        var generator = SystemRandomNumberGenerator()
        return SID(words: (generator.next(), generator.next(), generator.next(), generator.next()))
    }

    /// The four words, for carrying the capability inside a message (Xous's `to_array()`).
    /// Handle the result as carefully as the SID itself.
    public var words: (UInt32, UInt32, UInt32, UInt32) { (w0, w1, w2, w3) }

    /// The four words as an array.
    public var wordArray: [UInt32] { [w0, w1, w2, w3] }

    /// Always `SID(redacted)`.
    public var description: String { "SID(redacted)" }
    /// Always `SID(redacted)`.
    public var debugDescription: String { "SID(redacted)" }
    /// A mirror with no children, so `dump` and reflection print `SID(redacted)` too.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension ScalarMessage {
    /// A scalar carrying `sid`'s four words as its arguments, as Xous's unsubscribe and
    /// unregister calls send a SID (`s[0] as usize, …`).
    public init(id: MessageID, sid: SID) {
        let (s0, s1, s2, s3) = sid.words
        self.init(id: id, UInt(s0), UInt(s1), UInt(s2), UInt(s3))
    }

    /// The SID in the four arguments (`SID::from_u32(a1 as u32, …)`), each truncated to 32 bits.
    public var sidArgument: SID {
        SID(words: (
            UInt32(truncatingIfNeeded: arg1), UInt32(truncatingIfNeeded: arg2),
            UInt32(truncatingIfNeeded: arg3), UInt32(truncatingIfNeeded: arg4)))
    }
}
