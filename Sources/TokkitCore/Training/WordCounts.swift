/// Distinct pre-tokenized pieces (arbitrary bytes) with 64-bit counts: the input of training.
///
/// The pieces live in a ``ByteStringTable`` (one arena, 32-bit offsets, a flat hash index), the
/// package's one interning table; this type adds a count per piece. A distinct piece costs its bytes,
/// 4 bytes of offset, 8 of count and 16–32 of slots. Pieces are never `String`s: canonically
/// equivalent but byte-distinct pieces must stay distinct, and hashing `String` is slow.
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
    /// Every distinct piece, in first-insertion order.
    package private(set) var pieces = ByteStringTable()
    /// The count of piece `i`.
    package private(set) var counts: [UInt64] = []
    private var total: UInt64 = 0
    /// A direct-mapped cache of pieces of 1–8 bytes counted lately, two words a line: the piece as its
    /// `ByteHash.prefix`, then `length << 32 | (index + 1)` (0 = empty line). Why: piece frequencies
    /// follow Zipf's law, and a hit in the table reads four scattered cache lines (slot, offsets, arena,
    /// count) of tables too large for the L2 cache; a hit here reads this 64 KiB array and the count.
    /// A short piece is its prefix and length, so a hit needs no byte comparison.
    private var recent: [UInt64] = []
    private static let recentLines = 4096

    /// An empty table.
    public init() {}

    /// The most distinct pieces one table holds: the table stores a piece's index in 32 bits.
    public static let maximumDistinctCount = ByteStringTable.maximumCount

    /// The number of distinct pieces.
    public var distinctCount: Int { counts.count }

    /// The sum of all counts (the number of pieces seen). Wraps on overflow past 2⁶⁴ − 1.
    public var totalCount: UInt64 { total }

    /// Adds `count` occurrences of `piece` (copied into the arena the first time it is seen).
    ///
    /// This is the counting hot path: one call per pre-tokenized piece of the corpus.
    ///
    /// - Complexity: O(`piece.count`) expected; amortized O(1) table growth.
    /// - Throws: `WordCountsFull` when `piece` is new and the table already holds
    ///   `maximumDistinctCount` pieces or 4 GiB of distinct bytes (the counts are then unchanged).
    @inline(__always)
    package mutating func add(_ piece: UnsafeBufferPointer<UInt8>, count: UInt64 = 1) throws(WordCountsFull) {
        let base = UnsafeRawPointer(piece.baseAddress)
        let length = piece.count
        guard length >= 1, length <= 8 else {
            try addToTable(base, length: length, hash: ByteHash.hash(base, count: length), count: count)
            return
        }
        let prefix = ByteHash.prefix(base, count: length)
        let hash = ByteHash.hash(prefix: prefix, count: length)
        if recent.isEmpty { recent = [UInt64](repeating: 0, count: 2 * Self.recentLines) }
        // The table's slots use the hash's low bits; the cache takes high ones, so that pieces crowding
        // one region of the table do not also crowd one line here.
        let line = 2 &* (Int(truncatingIfNeeded: hash >> 40) & (Self.recentLines &- 1))
        let key = UInt64(length) << 32
        let cached = recent.withUnsafeBufferPointer { recent -> Int in
            recent[line] == prefix && recent[line &+ 1] & 0xFFFF_FFFF_0000_0000 == key
                ? Int(truncatingIfNeeded: recent[line &+ 1] & 0xFFFF_FFFF) &- 1 : -1
        }
        if cached >= 0 {
            counts.withUnsafeMutableBufferPointer { $0[cached] &+= count }
            total &+= count
            return
        }
        let index = try addToTable(base, length: length, hash: hash, count: count)
        recent.withUnsafeMutableBufferPointer { recent in
            recent[line] = prefix
            recent[line &+ 1] = key | UInt64(index &+ 1)
        }
    }

    /// Adds through the interning table; returns the piece's index.
    @inline(__always)
    @discardableResult
    private mutating func addToTable(_ base: UnsafeRawPointer?, length: Int, hash: UInt64, count: UInt64) throws(WordCountsFull) -> Int {
        let (index, inserted): (Int, Bool)
        do {
            (index, inserted) = try pieces.intern(base, count: length, hash: hash)
        } catch {
            throw WordCountsFull(error)
        }
        if inserted { counts.append(count) } else { counts.withUnsafeMutableBufferPointer { $0[index] &+= count } }
        total &+= count
        return index
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
        try pieces.forEach { index, piece throws(Failure) in try body(piece, counts[index]) }
    }

    /// The count of `piece`, or 0 when it was never added.
    ///
    /// - Complexity: O(`piece.count`) expected.
    public func count(of piece: [UInt8]) -> UInt64 {
        pieces.index(of: piece).map { counts[$0] } ?? 0
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
/// 32-bit indexes address (or, with ``unit`` `.bytes`, `limit` bytes of distinct pieces, the most its
/// 32-bit offsets address). A corpus this varied is better split (by language or source) and
/// trained per part than counted whole.
public struct WordCountsFull: Error, Equatable, Sendable, CustomStringConvertible {
    /// What ran out.
    public enum Unit: Equatable, Sendable {
        case distinctPieces
        case bytes
    }

    public var limit: Int
    public var unit: Unit

    public init(limit: Int, unit: Unit = .distinctPieces) {
        self.limit = limit
        self.unit = unit
    }

    init(_ full: ByteStringTableFull) {
        switch full.limit {
        case .strings(let limit): self.init(limit: limit)
        case .bytes(let limit): self.init(limit: limit, unit: .bytes)
        }
    }

    public var description: String {
        switch unit {
        case .distinctPieces:
            "the corpus has more than \(limit) distinct pieces, the most one count table holds; split the corpus and train on a part"
        case .bytes:
            "the corpus's distinct pieces hold more than \(limit) bytes, the most one count table holds; split the corpus and train on a part"
        }
    }
}
