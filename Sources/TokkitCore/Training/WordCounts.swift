/// Distinct pre-tokenized pieces (arbitrary bytes) with 64-bit counts: the input of training.
///
/// One byte arena holds every distinct piece once; a flat open-addressing table (linear probing,
/// load ≤ ½) maps a piece to its entry. Slots pack the upper 32 bits of the hash with the entry
/// index, so a probe compares bytes only when the hash tags agree. Pieces are never `String`s:
/// canonically equivalent but byte-distinct pieces must stay distinct, and hashing `String` is slow.
///
/// Determinism: the trainer's output depends only on the multiset of (piece, count) pairs, never on
/// insertion order, so per-thread tables merged with ``merge(_:)`` in any order train identically.
/// ``serialized()`` writes pieces in sorted byte order, so the count file is identical too.
///
/// ```swift
/// var counts = WordCounts()
/// counts.add(Array("hello".utf8))
/// counts.add(Array(" world".utf8), count: 3)
/// counts.distinctCount   // 2
/// counts.totalCount      // 4
/// ```
public struct WordCounts: Sendable {
    package struct Entry: Sendable {
        package var offset: Int
        package var length: Int
        package var count: UInt64
    }

    /// Every distinct piece, back to back, in first-insertion order.
    package private(set) var arena: [UInt8] = []
    /// One entry per distinct piece, in first-insertion order.
    package private(set) var entries: [Entry] = []
    /// `0` = empty, else `(hash >> 32) << 32 | (entry index + 1)`. Power-of-two size.
    private(set) var slots: [UInt64] = Array(repeating: 0, count: 64)
    private var total: UInt64 = 0

    /// An empty table.
    public init() {}

    /// The most distinct pieces one table holds: slots store an entry index in 32 bits.
    public static let maximumDistinctCount = Int(UInt32.max) - 2

    /// The number of distinct pieces.
    public var distinctCount: Int { entries.count }

    /// The sum of all counts (the number of pieces seen). Wraps on overflow past 2⁶⁴ − 1.
    public var totalCount: UInt64 { total }

    /// Adds `count` occurrences of `piece` (copied into the arena the first time it is seen).
    ///
    /// This is the counting hot path: one call per pre-tokenized piece of the corpus.
    ///
    /// - Complexity: O(`piece.count`) expected; amortized O(1) table growth.
    /// - Throws: `WordCountsFull` when `piece` is new and the table already holds
    ///   `maximumDistinctCount` pieces (the counts are then unchanged).
    package mutating func add(_ piece: UnsafeBufferPointer<UInt8>, count: UInt64 = 1) throws(WordCountsFull) {
        let pieceBase = UnsafeRawPointer(piece.baseAddress)
        let length = piece.count
        let hash = ByteHash.hash(pieceBase, count: length)
        if (entries.count &+ 1) &* 2 > slots.count { grow() }
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slots.count &- 1
        var index = Int(truncatingIfNeeded: hash) & mask
        let found: Int? = arena.withUnsafeBufferPointer { arenaBuffer in
            entries.withUnsafeBufferPointer { entryBuffer in
                slots.withUnsafeBufferPointer { slotBuffer in
                    while true {
                        let slot = slotBuffer[index]
                        if slot == 0 { return nil }
                        if slot & 0xFFFF_FFFF_0000_0000 == tag {
                            let entryIndex = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1
                            let entry = entryBuffer[entryIndex]
                            if entry.length == length,
                               ByteHash.equal(
                                   UnsafeRawPointer(arenaBuffer.baseAddress).map { $0 + entry.offset },
                                   pieceBase, count: length) {
                                return entryIndex
                            }
                        }
                        index = (index &+ 1) & mask
                    }
                }
            }
        }
        if let found {
            entries[found].count &+= count
            total &+= count
            return
        }
        guard entries.count < Self.maximumDistinctCount else { throw WordCountsFull(limit: Self.maximumDistinctCount) }
        total &+= count
        slots[index] = tag | UInt64(entries.count &+ 1)
        entries.append(Entry(offset: arena.count, length: length, count: count))
        arena.append(contentsOf: piece)
    }

    /// Adds `count` occurrences of `piece`.
    ///
    /// - Complexity: O(`piece.count`) expected.
    public mutating func add(_ piece: [UInt8], count: UInt64 = 1) throws(WordCountsFull) {
        try piece.withUnsafeBufferPointer { buffer throws(WordCountsFull) in try add(buffer, count: count) }
    }

    /// Adds every piece of `other` with its count.
    ///
    /// The result holds the same (piece, count) multiset whatever the order of merging, which is
    /// what makes parallel counting deterministic (see the type's discussion).
    ///
    /// - Complexity: O(total bytes of `other`'s distinct pieces).
    /// - Throws: `WordCountsFull` when the union has more than `maximumDistinctCount` pieces.
    public mutating func merge(_ other: WordCounts) throws(WordCountsFull) {
        try other.forEach { piece, count throws(WordCountsFull) in try add(piece, count: count) }
        InternalChecks.require(firstInvariantViolation(), "WordCounts")
    }

    /// Calls `body` once per distinct piece, in first-insertion order (not meaningful: use the
    /// multiset, never the order).
    ///
    /// - Complexity: O(distinct pieces).
    package func forEach<Failure: Error>(_ body: (UnsafeBufferPointer<UInt8>, UInt64) throws(Failure) -> Void) throws(Failure) {
        try arena.withUnsafeBufferPointer { arenaBuffer throws(Failure) in
            for entry in entries {
                let start = arenaBuffer.baseAddress.map { $0 + entry.offset }
                try body(UnsafeBufferPointer(start: start, count: entry.length), entry.count)
            }
        }
    }

    /// The count of `piece`, or 0 when it was never added.
    ///
    /// - Complexity: O(`piece.count`) expected.
    public func count(of piece: [UInt8]) -> UInt64 {
        let hash = piece.withUnsafeBytes { ByteHash.hash($0.baseAddress, count: $0.count) }
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slots.count &- 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot == 0 { return 0 }
            if slot & 0xFFFF_FFFF_0000_0000 == tag {
                let entry = entries[Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1]
                if entry.length == piece.count,
                   arena[entry.offset..<(entry.offset + entry.length)].elementsEqual(piece) {
                    return entry.count
                }
            }
            index = (index &+ 1) & mask
        }
    }

    /// Doubles the slot table and re-inserts every entry (hashes are recomputed: storing them would
    /// cost 8 bytes per distinct piece for a rare operation).
    private mutating func grow() {
        let capacity = slots.count &* 2
        let mask = capacity &- 1
        var grown = [UInt64](repeating: 0, count: capacity)
        arena.withUnsafeBytes { arenaBytes in
            grown.withUnsafeMutableBufferPointer { slotBuffer in
                for (entryIndex, entry) in entries.enumerated() {
                    let hash = ByteHash.hash(arenaBytes.baseAddress.map { $0 + entry.offset }, count: entry.length)
                    var index = Int(truncatingIfNeeded: hash) & mask
                    while slotBuffer[index] != 0 { index = (index &+ 1) & mask }
                    slotBuffer[index] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(entryIndex &+ 1)
                }
            }
        }
        slots = grown
    }
}

extension WordCounts: Equatable {
    /// Two tables are equal when they hold the same pieces with the same counts, in any order.
    ///
    /// - Complexity: O(total bytes of the distinct pieces).
    public static func == (lhs: WordCounts, rhs: WordCounts) -> Bool {
        guard lhs.distinctCount == rhs.distinctCount, lhs.totalCount == rhs.totalCount else { return false }
        var equal = true
        lhs.forEach { piece, count in
            if equal, rhs.count(of: Array(piece)) != count { equal = false }
        }
        return equal
    }
}

/// A piece could not be counted: the table already holds `limit` distinct pieces, the most its
/// 32-bit entry indexes address. A corpus this varied is better split (by language or source) and
/// trained per part than counted whole.
public struct WordCountsFull: Error, Equatable, Sendable, CustomStringConvertible {
    public var limit: Int

    public init(limit: Int) { self.limit = limit }

    public var description: String {
        "the corpus has more than \(limit) distinct pieces, the most one count table holds; split the corpus and train on a part"
    }
}
