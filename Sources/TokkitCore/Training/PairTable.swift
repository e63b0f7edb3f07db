/// Pair counts and occurrence-list handles, keyed by a packed pair `left << 32 | right`.
///
/// Open addressing with linear probing and Fibonacci hashing, structure-of-arrays so a probe walks
/// only the key array. Deletion shifts later entries back (no tombstones), so a table whose pairs
/// keep dying — most pairs do, as merges eat them — never fills with garbage. Load ≤ 0.7.
///
/// Each live pair owns one segment `occurrenceStart ..< occurrenceStart + occurrenceLength` of the
/// trainer's occurrence arena: the ids of the words that contained it when it was counted.
struct PairTable: ~Copyable {
    static let emptyKey = UInt64.max

    private(set) var keys: RawBuffer<UInt64>
    var counts: RawBuffer<UInt64>
    var occurrenceStart: RawBuffer<UInt32>
    var occurrenceLength: RawBuffer<UInt32>
    private(set) var liveCount = 0
    private var shift: UInt64
    private var mask: Int

    /// A table that holds `minimumCapacity` pairs without growing.
    init(minimumCapacity: Int) {
        var capacity = 64
        while capacity * 7 < minimumCapacity * 10 { capacity *= 2 }
        keys = RawBuffer(repeating: Self.emptyKey, count: capacity)
        counts = RawBuffer(repeating: 0, count: capacity)
        occurrenceStart = RawBuffer(repeating: 0, count: capacity)
        occurrenceLength = RawBuffer(repeating: 0, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        mask = capacity - 1
    }

    var capacity: Int { mask + 1 }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The slot of `key`, or -1.
    ///
    /// - Complexity: O(1) expected.
    @inline(__always)
    func find(_ key: UInt64) -> Int {
        let keyBase = keys.base
        var index = home(key)
        while true {
            let stored = keyBase[index]
            if stored == key { return index }
            if stored == Self.emptyKey { return -1 }
            index = (index &+ 1) & mask
        }
    }

    /// The slot of `key`, inserting it with count 0 and no occurrences when absent. The caller must
    /// have called ``reserve(additional:)`` for it: this never grows, so slot numbers stay valid.
    @inline(__always)
    mutating func findOrInsert(_ key: UInt64) -> Int {
        let keyBase = keys.base
        var index = home(key)
        while true {
            let stored = keyBase[index]
            if stored == key { return index }
            if stored == Self.emptyKey {
                keyBase[index] = key
                counts[index] = 0
                occurrenceStart[index] = 0
                occurrenceLength[index] = 0
                liveCount &+= 1
                return index
            }
            index = (index &+ 1) & mask
        }
    }

    /// Removes the pair in `slot`, moving later entries of its probe run back into the hole.
    ///
    /// - Complexity: O(1) expected.
    mutating func remove(at slot: Int) {
        let keyBase = keys.base
        var hole = slot
        var index = slot
        while true {
            index = (index &+ 1) & mask
            let key = keyBase[index]
            if key == Self.emptyKey { break }
            // The entry may fill the hole only if the hole lies on its probe path (home … index).
            if ((index &- home(key)) & mask) >= ((index &- hole) & mask) {
                keyBase[hole] = key
                counts[hole] = counts[index]
                occurrenceStart[hole] = occurrenceStart[index]
                occurrenceLength[hole] = occurrenceLength[index]
                hole = index
            }
        }
        keyBase[hole] = Self.emptyKey
        liveCount &-= 1
    }

    /// Makes room for `additional` insertions without exceeding load 0.7 (rehashes: slots move).
    mutating func reserve(additional: Int) {
        guard (liveCount + additional) * 10 > capacity * 7 else { return }
        var grown = PairTable(minimumCapacity: (liveCount + additional) * 2)
        for slot in 0..<capacity where keys[slot] != Self.emptyKey {
            let index = grown.findOrInsert(keys[slot])
            grown.counts[index] = counts[slot]
            grown.occurrenceStart[index] = occurrenceStart[slot]
            grown.occurrenceLength[index] = occurrenceLength[slot]
        }
        self = grown
    }
}
