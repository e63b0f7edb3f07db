/// SplitMix64 (Steele, Lea and Flood, 2014): the one seeded generator of the project (round-trip
/// harness, differential tests, benches). A small, fast generator whose whole state is one seed, so any random input is
/// reproducible from the seed and its index alone.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator for the `index`-th input of a run seeded with `seed`, independent of every other
    /// index, so one failing input can be regenerated without the ones before it.
    public init(seed: UInt64, index: Int) {
        var mixer = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
