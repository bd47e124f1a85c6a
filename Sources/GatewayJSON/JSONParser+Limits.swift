extension JSONParser {
    /// Bounds on what a sender can make the gateway do.
    ///
    /// `maxDepth` also bounds the recursion of everything that walks a parsed value afterwards
    /// (serializing, comparing, releasing it), so raise it only with care.
    public struct Limits: Sendable {
        /// How deeply arrays and objects may nest; a bare scalar is depth 0, `[]` depth 1.
        public var maxDepth: Int = 64
        /// The longest input accepted, in bytes; longer input is refused before it is read.
        public var maxBytes: Int = 1 << 20

        /// Limits for a parse; the defaults suit control requests, which are small and flat.
        public init(maxDepth: Int = 64, maxBytes: Int = 1 << 20) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
        }
    }
}
