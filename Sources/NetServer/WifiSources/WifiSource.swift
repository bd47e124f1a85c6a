/// Where the net server's Wi-Fi state comes from: the model of the EC/COM side of Xous, which
/// raises an interrupt whenever the Wi-Fi chip's state changes.
///
/// A source calls `emit` once per state change, in order, from a thread of its own; the net
/// server turns each call into a `ComInterrupt` and pushes the state to its subscribers.
public protocol WifiSource: AnyObject, Sendable {
    /// A short name for logs (`sim`, `manual`, `linux`).
    var name: String { get }

    /// Starts producing states. `emit` may be called from any thread, never concurrently with
    /// itself, until `stop()` returns.
    func start(emit: @escaping @Sendable (WlanStatus) -> Void) throws

    /// Stops producing states and releases the source's thread. Idempotent; after it returns
    /// `emit` is not called again.
    func stop()
}
