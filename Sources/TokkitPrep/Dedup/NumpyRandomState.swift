import Foundation

/// The part of numpy's legacy `np.random.RandomState(seed)` that MinHash needs:
/// `randint(low, high, size=n, dtype=np.uint64)`, draw for draw.
///
/// datatrove derives its permutations as `gen = RandomState(seed)`, then all of
/// `a = gen.randint(1, P, 112)` and then all of `b = gen.randint(0, P, 112)` (reference §5.2), so
/// reproducing its signatures for any seed needs numpy's generator, not just its output for seed 1:
/// MT19937 seeded with `init_genrand(seed)`, 64-bit draws as `next32 << 32 | next32`, and bounded
/// integers by masked rejection (`draw & mask`, retried while above the range), numpy's legacy path.
struct NumpyRandomState {
    private var key = [UInt32](repeating: 0, count: 624)
    private var position = 624

    /// `RandomState(seed)` for an integer seed in 0…2³²−1.
    init(seed: UInt32) {
        var value = seed
        for index in 0..<624 {
            key[index] = value
            value = 1_812_433_253 &* (value ^ (value >> 30)) &+ UInt32(index + 1)
        }
    }

    /// `randint(low, high, size: count, dtype: uint64)`: `count` values in `low..<high`.
    mutating func randintUInt64(low: UInt64, high: UInt64, count: Int) -> [UInt64] {
        precondition(high > low, "randint needs low < high")
        let range = high - low - 1
        if range == 0 { return Array(repeating: low, count: count) }
        var mask = range
        for shift in [1, 2, 4, 8, 16, 32] as [UInt64] { mask |= mask >> shift }
        var out: [UInt64] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var value: UInt64
            if range <= 0xFFFF_FFFF {
                repeat { value = UInt64(next32()) & mask } while value > range
            } else {
                repeat { value = next64() & mask } while value > range
            }
            out.append(low + value)
        }
        return out
    }

    private mutating func next64() -> UInt64 {
        let high = UInt64(next32())
        return high << 32 | UInt64(next32())
    }

    mutating func next32() -> UInt32 {
        if position >= 624 { regenerate() }
        var y = key[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func regenerate() {
        for index in 0..<624 {
            let y = (key[index] & 0x8000_0000) | (key[(index + 1) % 624] & 0x7FFF_FFFF)
            key[index] = key[(index + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
        }
        position = 0
    }
}

extension NumpyRandomState {
    /// numpy's legacy `random_sample()`: 53 random bits from two draws, `(a >> 5 · 2²⁶ + b >> 6) / 2⁵³`.
    mutating func nextDouble() -> Double {
        let a = Double(next32() >> 5), b = Double(next32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// numpy's legacy `gumbel(0, 1)`: `−log(−log(1 − U))`, redrawn when `1 − U` is 1.
    mutating func gumbel() -> Double {
        while true {
            let u = 1.0 - nextDouble()
            if u < 1.0 { return -log(-log(u)) }
        }
    }
}
