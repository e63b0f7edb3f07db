import CTableChecks

/// The token two adjacent tokens merge into, found by their ranks: every way of writing each token
/// as the concatenation of two tokens, in one flat open-addressing table keyed by the pair.
///
/// Why: a piece that is not one token is merged from its single bytes, and from then on every part
/// is a token. The merger's question, "what is the rank of this part followed by that one?", was
/// answered from the bytes: hash the concatenation, probe the rank table and, past eight bytes,
/// compare the arena. With the parts' ranks at hand it is one multiply and a probe of one word,
/// whatever the length. The answer is tiktoken's exactly: the concatenation of tokens `a` and `b`
/// is a token `t` if and only if splitting `t` after `a`'s bytes gives two tokens, so `(a, b) → t`
/// is in the table if and only if the byte lookup finds `t` (`PairMergeTableTests` checks this on
/// every pair of a small vocabulary, and that a planted wrong entry is caught).
///
/// Most joins the merger asks about are no token, so a bitset of 8 bits per pair (128–512 KB,
/// which stays in a core's L2 cache) answers most of those without touching the slots, as the rank
/// table's filter does for bytes; without it the table cost more time than the byte lookups it
/// replaced, for 4–6% fewer instructions. Behind the filter the slots can be full: up to 7/8
/// (gpt2 108,299 pairs in 1 MB, cl100k_base 233,378 in 4 MB, o200k_base 446,189 in 4 MB), because
/// every megabyte is copied, checked and summed when a process loads the table from the rank-table
/// cache (half full, o200k's 8 MB doubled its start-up to 12–14 ms). Building the table probes the
/// rank table twice per split of every token (tens of milliseconds for o200k), hence the cache.
@usableFromInline
struct PairMergeTable: Sendable {
    /// Ranks are packed in fields of this many bits; a vocabulary with larger ranks has no table.
    static let rankBits = 21
    /// One more than the largest rank the table can hold (2,097,152).
    @usableFromInline static let rankLimit = 1 << rankBits

    /// `(merged + 1) << 42 | left << 21 | right`, or 0 when the slot is empty.
    let slots: TableBuffer<UInt64>
    /// `slots.count - 1`; 0 for a vocabulary whose ranks do not fit, whose one slot is empty.
    let mask: Int
    /// A bit per `filterBit` value, set for every pair in the table; a clear bit is a certain miss.
    let filter: TableBuffer<UInt64>
    /// The filter's bit count minus one.
    let filterMask: Int

    init(slots: TableBuffer<UInt64>, mask: Int, filter: TableBuffer<UInt64>, filterMask: Int) {
        self.slots = slots
        self.mask = mask
        self.filter = filter
        self.filterMask = filterMask
    }

    /// The table of `table`'s tokens, whose first rank is `firstRank`.
    /// - Complexity: O(total token bytes × mean token length) expected: every split point of every
    ///   token is two rank-table lookups.
    init(_ table: RankTable, firstRank: TokenID) {
        guard Int(firstRank) + table.count <= Self.rankLimit, Self.fitsSplitBudget(table) else {
            self.init(slots: TableBuffer([0]), mask: 0, filter: TableBuffer([0]), filterMask: 63)
            return
        }
        var entries: [UInt64] = []
        table.withView { view in
            for index in 0..<table.count {
                let start = Int(table.offsets[index])
                let length = Int(table.offsets[index + 1]) - start
                guard length >= 2 else { continue }
                let token = view.arena + start
                for split in 1..<length {
                    let left = view.index(of: token, count: split, hash: ByteHash.hash(token, count: split))
                    guard left >= 0 else { continue }
                    let rest = token + split
                    let right = view.index(of: rest, count: length - split, hash: ByteHash.hash(rest, count: length - split))
                    guard right >= 0 else { continue }
                    entries.append(Self.key(firstRank + TokenID(left), firstRank + TokenID(right))
                                   | UInt64(firstRank + TokenID(index) + 1) << (2 * Self.rankBits))
                }
            }
        }
        var capacity = 16
        while capacity * 7 < entries.count * 8 { capacity <<= 1 }
        var slots = [UInt64](repeating: 0, count: capacity)
        var bits = 1 << 12
        while bits < 8 * entries.count { bits <<= 1 }
        var filter = [UInt64](repeating: 0, count: bits / 64)
        for entry in entries {
            let key = entry & Self.keyMask
            var position = Self.home(key, mask: capacity - 1)
            while slots[position] != 0 { position = (position + 1) & (capacity - 1) }
            slots[position] = entry
            let bit = Self.filterBit(key, mask: bits - 1)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.init(slots: TableBuffer(slots), mask: capacity - 1, filter: TableBuffer(filter), filterMask: bits - 1)
    }

    /// The most bytes building may hash: every split of a token of `n` bytes hashes `n` bytes, so a
    /// vocabulary costs Σ n × (n − 1). Real ones need 2–11 million (gpt2 2.2 M, o200k_base 11.4 M);
    /// one trained on a single repeated character has tokens of megabytes, whose splits would take
    /// hours. Past this budget the vocabulary has no table, and the mergers join parts by their bytes.
    static let splitBudget = 1 << 26

    static func fitsSplitBudget(_ table: RankTable) -> Bool {
        var work = 0
        for index in 0..<table.count {
            let length = Int(table.offsets[index + 1]) - Int(table.offsets[index])
            guard length <= splitBudget else { return false }
            work += length * (length - 1)
            if work > splitBudget { return false }
        }
        return true
    }

    /// Whether this is a table (a vocabulary without one has a single empty slot and mask 0).
    var isPresent: Bool { mask != 0 }

    /// The bits of a slot that hold the pair.
    @usableFromInline static let keyMask: UInt64 = 1 << (2 * 21) - 1

    @inlinable @inline(__always)
    static func key(_ left: TokenID, _ right: TokenID) -> UInt64 {
        UInt64(left) << 21 | UInt64(right)
    }

    /// Where the probe for `key` starts: the middle bits of one multiply, which every key bit reaches.
    @inlinable @inline(__always)
    static func home(_ key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The filter bit of `key`: the top bits of another multiply, independent of `home`.
    @inlinable @inline(__always)
    static func filterBit(_ key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0xC4CE_B9FE_1A85_EC53) >> 40) & mask
    }

    /// The rank `left` and `right` merge into, or `TokenID.max` when their concatenation is no token.
    /// Both must be ranks below `rankLimit`.
    @inlinable @inline(__always)
    static func merged(_ left: TokenID, _ right: TokenID, slots: UnsafePointer<UInt64>, mask: Int,
                       filter: UnsafePointer<UInt64>, filterMask: Int) -> TokenID {
        let key = Self.key(left, right)
        let bit = filterBit(key, mask: filterMask)
        guard filter[bit &>> 6] & (1 &<< UInt64(bit & 63)) != 0 else { return .max }
        var position = home(key, mask: mask)
        while true {
            let slot = slots[position]
            if slot == 0 { return .max }
            if slot & keyMask == key { return TokenID(truncatingIfNeeded: slot >> 42) &- 1 }
            position = (position &+ 1) & mask
        }
    }

    /// Whether the table can be probed safely and names only ranks below `rankEnd`: power-of-two
    /// sizes that match the masks, at least one empty slot (so every probe ends), every field in
    /// range. For tables read back from a cache file.
    static func isWellFormed(slots: TableBuffer<UInt64>, mask: Int, filter: TableBuffer<UInt64>, filterMask: Int, rankEnd: Int) -> Bool {
        guard mask >= 0, mask & (mask + 1) == 0, slots.count == mask + 1,
              filterMask >= 63, filterMask & (filterMask + 1) == 0, filter.count * 64 == filterMask + 1,
              rankEnd >= 0, rankEnd < 1 << 32 else { return false }
        // In C with AVX2 (CTableChecks): this pass is part of every load from the cache, 6.7 M of the
        // ~52 M instructions of a fresh `tokkit encode` of 1 KB with cl100k as Swift's two-lane loop, 3.0 M so.
        return slots.withUnsafeBufferPointer { slots in
            tk_pair_merge_slots_valid(slots.baseAddress, slots.count, UInt64(rankEnd), 1) != 0
        }
    }
}

extension Vocabulary {
    /// The rank that tokens `left` and `right` merge into according to the pair table, or `nil`:
    /// for tests that hold the table against byte lookups. `nil` too when the ranks do not fit it.
    package func pairMergeRank(_ left: TokenID, _ right: TokenID) -> TokenID? {
        guard pairMerges.isPresent, left < mergeableEnd, right < mergeableEnd else { return nil }
        let merged = pairMerges.slots.withUnsafeBufferPointer {
            let slots = $0.baseAddress!
            return pairMerges.filter.withUnsafeBufferPointer {
                PairMergeTable.merged(left, right, slots: slots, mask: pairMerges.mask,
                                      filter: $0.baseAddress!, filterMask: pairMerges.filterMask)
            }
        }
        return merged == .max ? nil : merged
    }
}
