/// SplitMix64, a small, fast, seedable generator: the same seed gives the same sequence (generated
/// demo merchants, replayable random test sequences), and its finaliser `mix` turns an input into
/// well-spread bits (reproducible campaign assignment). Not for secrets: coupon codes and tokens
/// come from the system's generator.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The first output of a generator seeded with `value`: every input bit changes about half the
    /// output bits.
    public static func mix(_ value: UInt64) -> UInt64 {
        var g = SplitMix64(seed: value)
        return g.next()
    }
}
