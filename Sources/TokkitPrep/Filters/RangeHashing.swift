/// Polynomial prefix hashes over a sequence of values, so any contiguous range hashes in O(1).
///
/// The Gopher repetition filter compares millions of n-grams, lines and paragraphs per megabyte;
/// building a `String` or an array for each one to put in a `Set` was most of the filter's time.
/// Here a range is identified by its hash and confirmed by comparing the values themselves
/// (``RangeSet``), so equal hashes never decide anything.
struct RangeHasher {
    /// `prefix[k]` = hash of `values[0..<k]`.
    private var prefix: [UInt64]
    private var powers: [UInt64]
    private static let base: UInt64 = 0x0000_0100_0000_01B3

    init(count: Int, value: (Int) -> UInt64) {
        prefix = [UInt64](repeating: 0, count: count + 1)
        powers = [UInt64](repeating: 1, count: count + 1)
        for index in 0..<count {
            prefix[index + 1] = prefix[index] &* Self.base &+ value(index) &+ 1
            powers[index + 1] = powers[index] &* Self.base
        }
    }

    /// splitmix64's finalizer: the polynomial's low bits depend only on the values' low bits, so a
    /// hash is mixed once before its low bits pick a table slot.
    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) func hash(_ range: Range<Int>) -> UInt64 {
        prefix[range.upperBound] &- prefix[range.lowerBound] &* powers[range.count]
    }
}

/// A set of ranges of one sequence, equal when their values are equal: open addressing over the
/// ranges' hashes, each hit confirmed by `same`. Sized up front for `capacity` distinct ranges.
struct RangeSet {
    private var slots: [Int32]
    private var mask: Int
    private(set) var hashes: [UInt64] = []
    /// The first range inserted for each entry.
    private(set) var ranges: [Range<Int>] = []

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        hashes.reserveCapacity(capacity)
        ranges.reserveCapacity(capacity)
    }

    /// The entry equal to `range`, inserting it if new: its index and whether it was inserted.
    @inline(__always)
    mutating func insert(_ range: Range<Int>, hash: UInt64, same: (Range<Int>, Range<Int>) -> Bool) -> (entry: Int, inserted: Bool) {
        var slot = Int(truncatingIfNeeded: RangeHasher.mix(hash)) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 {
                slots[slot] = Int32(hashes.count)
                hashes.append(hash)
                ranges.append(range)
                return (hashes.count - 1, true)
            }
            if hashes[entry] == hash, same(ranges[entry], range) { return (entry, false) }
            slot = (slot + 1) & mask
        }
    }
}
