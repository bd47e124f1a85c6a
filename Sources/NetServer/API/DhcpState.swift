/// Where the DHCP client is in acquiring a lease: Xous's `com_rs::DhcpState`, with its numbers.
public enum DhcpState: UInt16, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// The client is not running.
    case halted = 0
    /// The client is starting (RFC 2131's INIT).
    case `init` = 1
    /// The client is collecting offers.
    case selecting = 2
    /// The client has asked for an offered lease.
    case requesting = 3
    /// The client holds a lease; the IPv4 configuration is usable.
    case bound = 4
    /// The client is renewing its lease with the server that granted it.
    case renewing = 5
    /// The client is renewing its lease with any server.
    case rebinding = 6
    /// The EC reported a state this model does not know.
    case invalid = 7

    /// The state numbered `raw`. Numbers from 7 up read as `.invalid`, as in Xous's `decode_u16`,
    /// so that a word from the wire always has a meaning.
    public init(decoding raw: UInt16) {
        self = DhcpState(rawValue: raw) ?? .invalid
    }

    /// The state whose `name` is `name`; nil for any other text.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// The lower-case name used in logs and scenario files, such as `bound`.
    public var name: String {
        switch self {
        case .halted: "halted"
        case .`init`: "init"
        case .selecting: "selecting"
        case .requesting: "requesting"
        case .bound: "bound"
        case .renewing: "renewing"
        case .rebinding: "rebinding"
        case .invalid: "invalid"
        }
    }

    /// The same as `name`.
    public var description: String { name }
}
