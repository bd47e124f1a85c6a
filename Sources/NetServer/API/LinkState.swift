/// The Wi-Fi link's state as the EC reports it: Xous's `com_rs::LinkState`, with its numbers.
public enum LinkState: UInt16, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// The EC has not said, or said something this model does not know.
    case unknown = 0
    /// The Wi-Fi chip is held in reset.
    case resetHold = 1
    /// The chip is out of reset but its firmware is not loaded.
    case uninitialized = 2
    /// The chip's firmware is starting.
    case initializing = 3
    /// The chip is up and associated with no network.
    case disconnected = 4
    /// The chip is joining a network.
    case connecting = 5
    /// The chip is associated with a network.
    case connected = 6
    /// The chip reported an error (Xous's `WFXError`).
    case wfxError = 7

    /// The state numbered `raw`. Numbers outside Xous's table read as `.unknown`, as in Xous's
    /// `decode_u16`, because a newer EC may report states this model has never heard of.
    public init(decoding raw: UInt16) {
        self = LinkState(rawValue: raw) ?? .unknown
    }

    /// The state whose `name` is `name`; nil for any other text.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// The snake_case name used in logs and scenario files, such as `reset_hold`.
    public var name: String {
        switch self {
        case .unknown: "unknown"
        case .resetHold: "reset_hold"
        case .uninitialized: "uninitialized"
        case .initializing: "initializing"
        case .disconnected: "disconnected"
        case .connecting: "connecting"
        case .connected: "connected"
        case .wfxError: "wfx_error"
        }
    }

    /// The same as `name`.
    public var description: String { name }
}
