import CPrefetch
/// A vocabulary's rank table as raw pointers, for encoding loops; valid only inside
/// `Vocabulary.withRankLookup`.
///
/// Why: reaching three arrays through `Vocabulary` on every lookup costs retains and checks that
/// add up over tens of millions of pieces; the pointers are taken once per text instead.
public struct RankLookup {
    @usableFromInline let table: RankTable.View
    @usableFromInline let singleByteRank: UnsafePointer<TokenID>
    @usableFromInline let bytePairRank: UnsafePointer<TokenID>
    @usableFromInline let firstRank: TokenID
    /// One more than the largest mergeable rank.
    @usableFromInline let rankLimit: Int
    /// The table's `RankTable.serial`.
    @usableFromInline let serial: UInt64
    /// The `PairMergeTable`'s slots, filter and their masks.
    @usableFromInline let pairSlots: UnsafePointer<UInt64>
    @usableFromInline let pairMask: Int
    @usableFromInline let pairFilter: UnsafePointer<UInt64>
    @usableFromInline let pairFilterMask: Int
    /// The `PieceCutter`'s bit sets.
    let cutterSets: UnsafePointer<UInt64>

    /// The vocabulary's `PieceCutter`, for one piece after another.
    package var cuts: PieceCutter.Cuts { PieceCutter.Cuts(sets: cutterSets, bytePairRank: bytePairRank) }

    /// Whether `merged(_:_:)` answers for this vocabulary (it has a pair table: its ranks fit the table's
    /// fields and its tokens the build's budget; a vocabulary without one has mask 0).
    @inlinable
    var hasPairMerges: Bool { pairMask != 0 }

    /// The rank that tokens `left` and `right`, in that order, merge into, or `TokenID.max` when their
    /// concatenation is no token; only when `hasPairMerges`.
    @inlinable @inline(__always)
    func merged(_ left: TokenID, _ right: TokenID) -> TokenID {
        PairMergeTable.merged(left, right, slots: pairSlots, mask: pairMask, filter: pairFilter, filterMask: pairFilterMask)
    }

    /// Starts loading what `merged(left, right)` reads: the filter's word and the table's first slot.
    @inlinable @inline(__always)
    func startMerging(_ left: TokenID, _ right: TokenID) {
        let key = PairMergeTable.key(left, right)
        tk_prefetch(pairFilter + (PairMergeTable.filterBit(key, mask: pairFilterMask) &>> 6))
        tk_prefetch(pairSlots + PairMergeTable.home(key, mask: pairMask))
    }

    /// The rank of the `count` bytes at `bytes` whose `ByteHash` is `hash`, or `TokenID.max`.
    @inlinable @inline(__always)
    func rank(_ bytes: UnsafePointer<UInt8>, _ count: Int, hash: UInt64) -> TokenID {
        let index = table.index(of: bytes, count: count, hash: hash)
        return index < 0 ? .max : firstRank &+ TokenID(truncatingIfNeeded: index)
    }

    /// The rank of a whole piece, the `count` bytes at `bytes` whose `ByteHash` is `hash` and
    /// `ByteHash.prefix` is `prefix`, or `TokenID.max`; the table's filter is not asked (see
    /// `RankTable.View.index(of:count:hash:prefix:askingFilter:)`).
    @inlinable @inline(__always)
    func rank(_ bytes: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, prefix: UInt64) -> TokenID {
        let index = wholePieceIndex(bytes, count, hash: hash, prefix: prefix)
        return index < 0 ? .max : firstRank &+ TokenID(truncatingIfNeeded: index)
    }

    /// `rank(_:_:hash:prefix:)` as the table's index (the rank minus `firstRank`), or -1: for the encoder's hot
    /// loop, where testing the rank for `.max` after the index for -1 cost two instructions a piece.
    @inlinable @inline(__always)
    func wholePieceIndex(_ bytes: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, prefix: UInt64) -> Int {
        table.wholePieceIndex(of: bytes, count: count, hash: hash, prefix: prefix)
    }

    /// The rank of a key of 1 to 8 bytes given as its `ByteHash.prefix`, or `TokenID.max`.
    @inlinable @inline(__always)
    func rank(prefix: UInt64, count: Int) -> TokenID {
        let index = table.index(prefix: prefix, count: count)
        return index < 0 ? .max : firstRank &+ TokenID(truncatingIfNeeded: index)
    }

    /// The rank of the `count` bytes at `bytes`, or `TokenID.max`.
    @inlinable @inline(__always)
    func rank(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> TokenID {
        if count == 2 { return bytePairRank[Int(bytes[0]) << 8 | Int(bytes[1])] }
        return rank(bytes, count, hash: ByteHash.hash(bytes, count: count))
    }
}

extension Vocabulary {
    /// Runs `body` with the rank table at hand as raw pointers (see `RankLookup`).
    public func withRankLookup<R, E: Error>(_ body: (RankLookup) throws(E) -> R) throws(E) -> R {
        try singleByteRank.withUnsafeBufferPointer { singles throws(E) in
            try bytePairRank.withUnsafeBufferPointer { pairs throws(E) in
                try table.withView { view throws(E) in
                    try pairMerges.slots.withUnsafeBufferPointer { merges throws(E) in
                        try pairMerges.filter.withUnsafeBufferPointer { mergeFilter throws(E) in
                            try cutter.bits.withUnsafeBufferPointer { cuts throws(E) in
                                // `singleByteRank` always has 256 entries, `bytePairRank` 65,536, the
                                // pair table at least one slot and one filter word, the cutter its three sets.
                                try body(RankLookup(table: view, singleByteRank: singles.baseAddress!,
                                                    bytePairRank: pairs.baseAddress!, firstRank: firstRank,
                                                    rankLimit: Int(firstRank) + table.count, serial: table.serial,
                                                    pairSlots: merges.baseAddress!, pairMask: pairMerges.mask,
                                                    pairFilter: mergeFilter.baseAddress!, pairFilterMask: pairMerges.filterMask,
                                                    cutterSets: cuts.baseAddress!))
                            }
                        }
                    }
                }
            }
        }
    }

    /// `withRankLookup` for a body that returns nothing and throws nothing, compiled here for that one
    /// shape.
    ///
    /// Why a second entry: called from another module, the generic `withRankLookup` runs its nest of
    /// eight buffer accesses unspecialised, about 900 instructions a call, more than encoding a short
    /// word; a caller that encodes one short text per call (Python's `encode_ordinary` in a loop)
    /// paid that every time. Here the nest is specialised once.
    public func withRankLookup(perCall body: (RankLookup) -> Void) {
        withRankLookup({ (lookup: RankLookup) throws(Never) -> Void in body(lookup) })
    }
}
