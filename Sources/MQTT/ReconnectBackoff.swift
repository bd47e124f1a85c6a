/// Delays between connection attempts: capped exponential back-off with "equal jitter".
///
/// The ceiling for failure *n* (from 0) is `min(maximum, initial × 2ⁿ)`; the delay is drawn
/// uniformly from `ceiling/2 … ceiling`. Half the ceiling is guaranteed, so a refused login
/// never turns into a tight reconnect storm (libmosquitto's own loop retries a 3.1.1 refusal
/// every second, forever), and the random half spreads a fleet of gateways that all lost the
/// same broker, where libmosquitto's built-in back-off has no jitter at all.
public struct ReconnectBackoff: Sendable, Hashable {
    /// The first ceiling, in seconds.
    public let initial: Double
    /// The largest ceiling, in seconds.
    public let maximum: Double
    /// Failures since the last reset, i.e. the exponent of the next ceiling.
    public private(set) var failures: Int = 0

    /// A back-off starting at `initial` seconds and never exceeding `maximum` seconds.
    public init(initial: Double, maximum: Double) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The ceiling the next delay is drawn under, in seconds.
    public var currentCeiling: Double {
        // Past 2^62 the doubling is long since capped; stopping there avoids overflow to inf.
        let exponent = min(failures, 62)
        return min(maximum, initial * Double(sign: .plus, exponent: exponent, significand: 1))
    }

    /// The delay before the next attempt, in seconds, and one more failure counted.
    public mutating func nextDelay<Random: RandomNumberGenerator>(using random: inout Random) -> Double {
        let ceiling = currentCeiling
        failures += 1
        let half = ceiling / 2
        return half + Double.random(in: 0...half, using: &random)
    }

    /// Starts again from `initial`: called when the broker accepted a connection.
    public mutating func reset() { failures = 0 }
}
