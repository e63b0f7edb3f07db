/// Distinct byte strings numbered in the order they were first added, stored back to back in one
/// arena and found again through a flat open-addressing table: the one interning table of the
/// package. Training's word counts (`WordCounts`), the trainer's token table (`TokenTable`) and the
/// rank-table builder (`RankTable.Builder`) keep their strings here and add only what is theirs
/// (counts; token lengths for the merge loop; the rank table's read-side slots).
///
/// Why one arena and 32-bit offsets rather than `[[UInt8]]` or `[[UInt8]: Int]`: every string as its
/// own array costs a heap object (32+ bytes of header and allocator slack) for strings that average
/// 4–8 bytes, and hashing an `Array` key walks generic code per byte. Here a string costs its bytes,
/// 4 bytes of offset and, at load ≤ ½, 16–32 bytes of slots; a lookup is one `ByteHash` and a few
/// probes. The offsets have the layout the rank table reads (`offsets[i] ..< offsets[i + 1]`), so the
/// builder hands its arena and offsets over without copying.
///
/// Slots pack the upper 32 bits of a string's hash with its index + 1 (0 = empty), so a probe reads
/// the arena only when the tags agree. Strings added with ``appendUnindexed(_:)`` take an index but no
/// slot: lookups never find them (the rank table's gaps).
///
/// ```swift
/// var table = ByteStringTable()
/// table.intern(Array("low".utf8))    // (index: 0, inserted: true)
/// table.intern(Array("est".utf8))    // (index: 1, inserted: true)
/// table.intern(Array("low".utf8))    // (index: 0, inserted: false)
/// table.internConcatenation(0, 1)    // (index: 2, inserted: true): "lowest"
/// ```
package struct ByteStringTable: Sendable {
    /// Every string, back to back, in index order.
    package private(set) var arena: [UInt8] = []
    /// `offsets[i] ..< offsets[i + 1]` is string `i`'s range in `arena`; one more entry than strings.
    package private(set) var offsets: [UInt32] = [0]
    /// `0` = empty, else `(hash >> 32) << 32 | (index + 1)`. Power-of-two size, load ≤ ½.
    private(set) var slots: [UInt64]
    /// Strings that have a slot (all but the unindexed ones).
    private(set) var indexedCount = 0

    /// The most strings one table holds: a slot stores an index + 1 in 32 bits.
    package static let maximumCount = Int(UInt32.max) - 2
    /// The most bytes the arena holds: offsets are 32-bit.
    package static let maximumBytes = Int(UInt32.max)

    /// An empty table with slots for `expectedCount` strings before it grows.
    package init(expectedCount: Int = 32) {
        var capacity = 64
        while capacity < expectedCount * 2 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
    }

    /// The number of strings (indexed or not).
    package var count: Int { offsets.count &- 1 }

    /// The length of string `index`.
    @inline(__always)
    package func length(at index: Int) -> Int {
        Int(offsets[index &+ 1] &- offsets[index])
    }

    /// Calls `body` with the bytes of string `index`.
    @inline(__always)
    package func withBytes<R, E: Error>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let start = Int(offsets[index]), end = Int(offsets[index &+ 1])
        return try arena.withUnsafeBufferPointer { arena throws(E) in
            try body(UnsafeBufferPointer(rebasing: arena[start..<end]))
        }
    }

    /// The bytes of string `index` as an array (at the edges, not in hot loops).
    package func bytes(at index: Int) -> [UInt8] {
        Array(arena[Int(offsets[index])..<Int(offsets[index &+ 1])])
    }

    /// The index of `count` bytes at `bytes` whose `ByteHash` is `hash`, or `nil`.
    ///
    /// - Complexity: O(`count`) expected.
    @inline(__always)
    package func index(of bytes: UnsafeRawPointer?, count: Int, hash: UInt64) -> Int? {
        probe(bytes, count: count, hash: hash).found
    }

    /// The index of `bytes`, or `nil`.
    package func index(of bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { index(of: $0.baseAddress, count: $0.count, hash: ByteHash.hash($0.baseAddress, count: $0.count)) }
    }

    /// The index of `count` bytes at `bytes` (hash `hash`), adding them as the next index when they
    /// are new. `bytes` must not point into this table's arena (see ``internConcatenation(_:_:)``).
    ///
    /// - Complexity: O(`count`) expected; amortized O(1) growth.
    /// - Throws: ``ByteStringTableFull`` when the strings are new and the table already holds
    ///   ``maximumCount`` strings or ``maximumBytes`` bytes (the table is then unchanged).
    @inline(__always)
    package mutating func intern(
        _ bytes: UnsafeRawPointer?, count: Int, hash: UInt64
    ) throws(ByteStringTableFull) -> (index: Int, inserted: Bool) {
        let (position, found) = probe(bytes, count: count, hash: hash)
        if let found { return (found, false) }
        try checkRoom(adding: count)
        if count > 0, let bytes {
            arena.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count))
        }
        return (insert(at: position, hash: hash), true)
    }

    /// ``intern(_:count:hash:)`` for an array.
    @discardableResult
    package mutating func intern(_ bytes: [UInt8]) throws(ByteStringTableFull) -> (index: Int, inserted: Bool) {
        // `withUnsafeBytes` rethrows untyped errors: carry the typed one out in a `Result`.
        try bytes.withUnsafeBytes { raw in
            Result { () throws(ByteStringTableFull) in
                try intern(raw.baseAddress, count: raw.count, hash: ByteHash.hash(raw.baseAddress, count: raw.count))
            }
        }.get()
    }

    /// The index of the concatenation of strings `left` and `right`, adding it when it is new: the
    /// trainer's "a merge made these bytes" step. The bytes are copied to the end of the arena once,
    /// looked up there, and dropped again if they already were a string.
    ///
    /// - Complexity: O(length of the result) expected.
    /// - Throws: ``ByteStringTableFull`` as ``intern(_:count:hash:)``.
    package mutating func internConcatenation(_ left: Int, _ right: Int) throws(ByteStringTableFull) -> (index: Int, inserted: Bool) {
        let leftStart = Int(offsets[left]), leftEnd = Int(offsets[left &+ 1])
        let rightStart = Int(offsets[right]), rightEnd = Int(offsets[right &+ 1])
        let total = (leftEnd &- leftStart) &+ (rightEnd &- rightStart)
        try checkRoom(adding: total)
        let start = arena.count
        arena.reserveCapacity(start &+ total)
        for offset in leftStart..<leftEnd { arena.append(arena[offset]) }
        for offset in rightStart..<rightEnd { arena.append(arena[offset]) }
        let (hash, position, found) = arena.withUnsafeBytes { raw in
            let candidate = raw.baseAddress.map { $0 + start }
            let hash = ByteHash.hash(candidate, count: total)
            let (position, found) = probe(candidate, count: total, hash: hash)
            return (hash, position, found)
        }
        if let found {
            arena.removeLast(total)
            return (found, false)
        }
        return (insert(at: position, hash: hash), true)
    }

    /// Adds `bytes` as the next index without a slot: no lookup finds it, and it may repeat another
    /// string (the rank table's gaps are empty strings at ranks no token has).
    package mutating func appendUnindexed(_ bytes: [UInt8]) throws(ByteStringTableFull) {
        try checkRoom(adding: bytes.count)
        arena.append(contentsOf: bytes)
        offsets.append(UInt32(truncatingIfNeeded: arena.count))
    }

    /// Calls `body` once per string, in index order.
    ///
    /// - Complexity: O(strings).
    package func forEach<Failure: Error>(_ body: (Int, UnsafeBufferPointer<UInt8>) throws(Failure) -> Void) throws(Failure) {
        try arena.withUnsafeBufferPointer { arena throws(Failure) in
            for index in 0..<count {
                let start = Int(offsets[index]), end = Int(offsets[index &+ 1])
                try body(index, UnsafeBufferPointer(rebasing: arena[start..<end]))
            }
        }
    }

    /// The arena and offsets, handed over for a table that keeps its own read-side index.
    package consuming func takeStorage() -> (arena: [UInt8], offsets: [UInt32]) {
        (arena, offsets)
    }

    // MARK: - Probing

    /// Walks the slots from `hash`'s home: the index of an equal string, or the empty slot where it
    /// would go.
    @inline(__always)
    private func probe(_ bytes: UnsafeRawPointer?, count: Int, hash: UInt64) -> (position: Int, found: Int?) {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBytes { arena in
                offsets.withUnsafeBufferPointer { offsets in
                    let mask = slots.count &- 1
                    var position = Int(truncatingIfNeeded: hash) & mask
                    while true {
                        let slot = slots[position]
                        if slot == 0 { return (position, nil) }
                        if slot & 0xFFFF_FFFF_0000_0000 == tag {
                            let index = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1
                            let start = Int(offsets[index])
                            if Int(offsets[index &+ 1]) &- start == count,
                               ByteHash.equal(arena.baseAddress.map { $0 + start }, bytes, count: count) {
                                return (position, index)
                            }
                        }
                        position = (position &+ 1) & mask
                    }
                }
            }
        }
    }

    /// Records the string just appended to the arena as the next index, in the empty slot `position`.
    @inline(__always)
    private mutating func insert(at position: Int, hash: UInt64) -> Int {
        let index = count
        offsets.append(UInt32(truncatingIfNeeded: arena.count))
        slots[position] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(index &+ 1)
        indexedCount &+= 1
        if indexedCount &* 2 > slots.count { grow() }
        return index
    }

    @inline(__always)
    private func checkRoom(adding bytes: Int) throws(ByteStringTableFull) {
        guard count < Self.maximumCount else { throw ByteStringTableFull(limit: .strings(Self.maximumCount)) }
        guard arena.count &+ bytes <= Self.maximumBytes else { throw ByteStringTableFull(limit: .bytes(Self.maximumBytes)) }
    }

    /// Doubles the slot table and re-inserts every indexed string (hashes are recomputed: storing them
    /// would cost 8 bytes per string for a rare operation). Unindexed strings are told apart by
    /// looking them up: the first string with their bytes owns the slot.
    private mutating func grow() {
        let capacity = slots.count &* 2
        let mask = capacity &- 1
        var grown = [UInt64](repeating: 0, count: capacity)
        let unindexed = indexedCount != count
        arena.withUnsafeBytes { arena in
            grown.withUnsafeMutableBufferPointer { slots in
                offsets.withUnsafeBufferPointer { offsets in
                    for index in 0..<(offsets.count &- 1) {
                        let start = Int(offsets[index]), length = Int(offsets[index &+ 1]) &- start
                        let bytes = arena.baseAddress.map { $0 + start }
                        let hash = ByteHash.hash(bytes, count: length)
                        if unindexed, self.index(of: bytes, count: length, hash: hash) != index { continue }
                        var position = Int(truncatingIfNeeded: hash) & mask
                        while slots[position] != 0 { position = (position &+ 1) & mask }
                        slots[position] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(index &+ 1)
                    }
                }
            }
        }
        slots = grown
    }
}

/// A byte string could not be added: the table already holds as many strings, or as many bytes, as
/// its 32-bit indexes and offsets address.
package struct ByteStringTableFull: Error, Equatable, Sendable {
    package enum Limit: Equatable, Sendable {
        case strings(Int)
        case bytes(Int)
    }

    package var limit: Limit
}
