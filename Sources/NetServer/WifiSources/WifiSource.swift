public import SystemSupport

/// Where the net server's Wi-Fi state comes from: the model of the EC/COM side of Xous, which
/// raises an interrupt whenever the Wi-Fi chip's state changes.
///
/// A source calls `emit` once per state change, in order, from a thread of its own (or, a
/// `ScheduledWifiSource`, on the net server's main loop); the net server turns each call into a
/// `ComInterrupt` and pushes the state to its subscribers.
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

/// A source whose states come at times it knows in advance (the simulation). The net server's
/// main loop, which wakes for each state anyway, can then wait for the next one itself, as Xous
/// runs an interrupt handler in the process that claimed the interrupt, instead of the source
/// keeping a thread that wakes only to raise it (a wake-up and a context switch per state).
public protocol ScheduledWifiSource: WifiSource {
    /// Starts producing states without a thread of its own: from now on `emitDue` produces them,
    /// called when `nextDue` comes. Throws as `start`.
    func startScheduled() throws

    /// When the next state is due: nil when none will be (not started, played out, stopped).
    var nextDue: MonotonicInstant? { get }

    /// Calls `emit` with every state due by now, in order, and schedules the next: its delay
    /// counts from when the previous `emit` returned, as on the source's own thread.
    func emitDue(_ emit: (WlanStatus) -> Void)
}
