/// Steele, Lea and Flood's SplitMix64: a tiny generator whose output is fixed by its seed on
/// every platform and Swift version, which the system generator and `random(in:using:)` are
/// not. For reproducible simulations and jitter; never for anything secret (SIDs use the
/// system CSPRNG).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `range`; the modulo bias is below 2^-50 for small ranges.
    public mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// One random byte (the top bits, the best mixed).
    public mutating func nextByte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 56) }
}
