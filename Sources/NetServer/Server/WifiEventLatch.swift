import Synchronization
import SystemSupport
import XousIPC

/// The model of the EC/COM side between the Wi-Fi source and the net server: the states waiting
/// for the connection manager, the interrupt bits they raised, and the "interrupt pending" bit
/// that keeps the source from raising one `ComInterrupt` per state.
///
/// Xous's COM raises an interrupt and the net server then asks which ones are active
/// (`ints_get_active`) and reads the chip's state; a scalar cannot carry a `WlanStatus`, so the
/// states wait here in order and the interrupt only says "come and get them". Nothing is
/// coalesced: every state is pushed.
final class WifiEventLatch: Sendable {
    /// States held at most; beyond that the oldest are dropped (and counted), so a source that
    /// outruns a stuck net server cannot grow memory without bound.
    static let capacity = 65_536

    private struct State {
        var pending = BoundedQueue<WlanStatus>(capacity: WifiEventLatch.capacity)
        var last = WlanStatus.default
        var activeBits: UInt = 0
        /// The configuration the chip reported with the last `wlanIpConfigUpdate`.
        var ipv4Config: Ipv4Conf?
        var interruptRaised = false
    }

    private let state = Mutex(State())

    /// Queues a state and notes the interrupt bits it raises; returns true when the caller must
    /// raise the interrupt (none is pending).
    func post(_ status: WlanStatus) -> Bool {
        state.withLock { state in
            let bits = ComInterruptBits.raised(from: state.last, to: status)
            if bits & ComInterruptBits.wlanIpConfigUpdate != 0 { state.ipv4Config = status.ipv4 }
            state.activeBits |= bits
            state.last = status
            state.pending.append(status)
            defer { state.interruptRaised = true }
            return !state.interruptRaised
        }
    }

    /// The active interrupt bits and the chip's IPv4 configuration (`ints_get_active` and
    /// `wlan_get_config`); acknowledges them and re-arms the interrupt, so a state posted after
    /// this raises a new one.
    func takeInterrupts() -> (bits: UInt, ipv4: Ipv4Conf?) {
        state.withLock { state in
            defer {
                state.activeBits = 0
                state.interruptRaised = false
            }
            return (state.activeBits, state.ipv4Config)
        }
    }

    /// Takes every queued state, oldest first.
    func drain() -> [WlanStatus] {
        state.withLock { $0.pending.removeAll() }
    }

    /// States dropped because the latch was full.
    var dropped: Int { state.withLock { $0.pending.dropped } }
}
