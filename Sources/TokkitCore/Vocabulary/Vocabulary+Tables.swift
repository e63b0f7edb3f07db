import CTableChecks

/// A vocabulary's read-side tables (rank table, byte and byte-pair ranks, decoding table, gaps) as
/// flat sections of plain integers, so that a cache on disk can hold them and a later process can
/// take them back without parsing base64 or hashing 200k tokens again.
///
/// Why here and not in the file format: only this module knows the layout of the tables and the
/// hash that placed each key in its slot; the cache file (`RankTableCache` in TokkitFormats) stores
/// the sections and checks them against corruption, and `Vocabulary(sections:scalars:specialTokens:)`
/// checks every index the encoding and decoding loops follow before they trust it.
package enum VocabularyTables {
    /// Changes whenever a section's layout, or the order of the sections, changes.
    /// 2: a decoding length of `DecodingTable.notShort` (was 0) marks a token that is not short.
    /// 3: short means at most 15 bytes, and each decoding entry's byte 15 holds its length.
    /// 4: two more sections, the `PairMergeTable`'s slots and filter, and their masks as scalars.
    /// 5: the decoding entries as the loop reads them, padded to `DecodingTable.paddedCount`, so that a
    ///    cache hit uses them in place like every other table.
    /// 6: one more section, the `PieceCutter`'s three bit sets.
    /// 7: one more section, the rank table's `longSlots`.
    package static let layoutVersion: UInt64 = 7

    /// `ByteHash` of a fixed key: stored with the sections, so that tables whose slots were placed by
    /// another hash function are refused even if `layoutVersion` was not bumped.
    package static var hashProbe: UInt64 {
        Array("tokkit rank table".utf8).withUnsafeBufferPointer { ByteHash.hash($0.baseAddress, count: $0.count) }
    }

    /// How many sections `withSections` passes and `Vocabulary(sections:…)` takes.
    package static let sectionCount = 13
    /// How many scalars: first rank, slot mask, filter mask, pair-merge slot mask and filter mask.
    package static let scalarCount = 5
}

extension Vocabulary {
    /// Runs `body` with the tables as raw bytes, in the order `Vocabulary(sections:…)` takes them, and
    /// the scalars that go with them.
    package func withTableSections<R>(_ body: ([UnsafeRawBufferPointer], [UInt64]) throws -> R) rethrows -> R {
        let scalars = [UInt64(firstRank), UInt64(table.mask), UInt64(table.filterMask), UInt64(pairMerges.mask),
                       UInt64(pairMerges.filterMask)]
        return try table.arena.withUnsafeBytes { arena in
            try table.offsets.withUnsafeBytes { offsets in
                try table.slots.withUnsafeBytes { slots in
                    try table.filter.withUnsafeBytes { filter in
                        try singleByteRank.withUnsafeBytes { singles in
                            try bytePairRank.withUnsafeBytes { pairs in
                                try decoding.entries.withUnsafeBytes { entries in
                                    try decoding.lengths.withUnsafeBytes { lengths in
                                        try gaps.withUnsafeBytes { gaps in
                                            try pairMerges.slots.withUnsafeBytes { merges in
                                                try pairMerges.filter.withUnsafeBytes { mergeFilter in
                                                    try cutter.bits.withUnsafeBytes { cuts in
                                                        try table.longSlots.withUnsafeBytes { longSlots in
                                                            try body([arena, offsets, slots, filter, singles, pairs, entries, lengths, gaps,
                                                                      merges, mergeFilter, cuts, longSlots], scalars)
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A vocabulary from sections that `withTableSections` gave, or `nil` when they do not form
    /// consistent tables.
    ///
    /// The encoding and decoding loops read the tables through unchecked pointers, so every index
    /// they follow is checked here: offsets ascend and end at the arena's size, every slot names a
    /// token or is empty (and at least one is, so a probe ends), masks are powers of two matching
    /// their arrays, byte and pair ranks are in range, decoding lengths agree with the offsets, gaps
    /// are empty ranks. A table that passes can give wrong ids only if its bytes were changed on
    /// purpose; the cache file's checksum is what catches accidents.
    /// - Throws: `VocabularyError` when the special tokens clash with the ranks.
    /// - Complexity: O(size of the tables), one pass each.
    ///
    /// With `region`, the mapping that holds the sections, the tables (`TableBuffer`) are used in place
    /// and keep `region` alive (the 256 byte ranks and the gaps are copied). Without it, all are copied.
    package init?(sections: [UnsafeRawBufferPointer], scalars: [UInt64],
                  specialTokens: [SpecialToken], region: ReadOnlyRegion? = nil) throws(VocabularyError) {
        guard sections.count == VocabularyTables.sectionCount, scalars.count == VocabularyTables.scalarCount,
              scalars[0] < UInt64(UInt32.max), scalars[1] < 1 << 40, scalars[2] < 1 << 40, scalars[3] < 1 << 40, scalars[4] < 1 << 40,
              let arena = Self.table(sections[0], in: region, of: UInt8.self),
              let offsets = Self.table(sections[1], in: region, of: UInt32.self),
              let slots = Self.table(sections[2], in: region, of: UInt64.self),
              let filter = Self.table(sections[3], in: region, of: UInt64.self),
              let singles = Self.array(sections[4], of: TokenID.self),
              let pairs = Self.table(sections[5], in: region, of: TokenID.self),
              let entries = Self.table(sections[6], in: region, of: SIMD16<UInt8>.self),
              let lengths = Self.table(sections[7], in: region, of: UInt8.self),
              let gaps = Self.array(sections[8], of: TokenID.self),
              let merges = Self.table(sections[9], in: region, of: UInt64.self),
              let mergeFilter = Self.table(sections[10], in: region, of: UInt64.self),
              let cuts = Self.table(sections[11], in: region, of: UInt64.self), let cutter = PieceCutter(bits: cuts),
              let longSlots = Self.table(sections[12], in: region, of: UInt64.self)
        else { return nil }
        let firstRank = TokenID(scalars[0]), mask = Int(scalars[1]), filterMask = Int(scalars[2])
        let count = offsets.count - 1
        guard count >= 0, offsets[0] == 0, Int(offsets[count]) == arena.count,
              Int(firstRank) + count + specialTokens.count < Int(UInt32.max),
              mask >= 15, mask & (mask + 1) == 0, slots.count == 2 * (mask + 1), count <= mask,
              filterMask >= 63, filterMask & (filterMask + 1) == 0, filter.count * 64 == filterMask + 1,
              singles.count == 256, pairs.count == 1 << 16, entries.count == DecodingTable.paddedCount(count), lengths.count == count
        else { return nil }
        let ranksInRange = singles.withUnsafeBufferPointer { Self.ranksInRange($0, firstRank: firstRank, count: count) }
            && pairs.withUnsafeBufferPointer { Self.ranksInRange($0, firstRank: firstRank, count: count) }
        guard ranksInRange, Self.lengthsAgree(offsets: offsets, lengths: lengths, entries: entries),
              let filled = Self.filledSlots(slots, count: count), filled <= mask,
              RankTable.isWellFormed(longSlots: longSlots, count: count)
        else { return nil }
        let end = UInt64(firstRank) + UInt64(count)
        var previous: TokenID?
        for gap in gaps {
            guard gap >= firstRank, UInt64(gap) < end, previous.map({ $0 < gap }) ?? true,
                  offsets[Int(gap - firstRank)] == offsets[Int(gap - firstRank) + 1] else { return nil }
            previous = gap
        }
        // Merged ids are appended to the output and probed again, never used as an index: the check
        // keeps probes finite and ids in range. A vocabulary without a table has one empty slot.
        guard PairMergeTable.isWellFormed(slots: merges, mask: Int(scalars[3]), filter: mergeFilter, filterMask: Int(scalars[4]),
                                          rankEnd: Int(firstRank) + count) else { return nil }
        let table = RankTable(arena: arena, offsets: offsets, slots: slots, mask: mask, filter: filter,
                              filterMask: filterMask, longSlots: longSlots, serial: RankTable.nextSerial())
        try self.init(firstRank: firstRank, specialTokens: specialTokens, gaps: gaps, table: table,
                      singleByteRank: singles, bytePairRank: pairs,
                      decoding: DecodingTable(entries: entries, lengths: lengths),
                      pairMerges: PairMergeTable(slots: merges, mask: Int(scalars[3]), filter: mergeFilter,
                                                 filterMask: Int(scalars[4])),
                      cutter: cutter)
    }

    // The passes below run over every table on every load from the cache (cl100k: 12 MB), so they
    // read through buffer pointers and fold each test into an integer flag instead of leaving at the
    // first failure: no bounds checks, no branch per element, and so vectorized (see
    // `PairMergeTable.isWellFormed` for the measurement).

    /// Whether each token's decoding length (and the copy in its entry's last byte) matches the offsets,
    /// and every padding entry after the tokens is marked not short.
    private static func lengthsAgree(offsets: TableBuffer<UInt32>, lengths: TableBuffer<UInt8>, entries: TableBuffer<SIMD16<UInt8>>) -> Bool {
        offsets.withUnsafeBufferPointer { offsets in
            lengths.withUnsafeBufferPointer { lengths in
                entries.withUnsafeBufferPointer { entries in
                    var wrong: UInt8 = 0
                    for index in 0..<lengths.count {
                        let length = offsets[index &+ 1] &- offsets[index]
                        let short = (length &- 1) < UInt32(DecodingTable.shortLength)
                        let expected = short ? UInt8(truncatingIfNeeded: length) : DecodingTable.notShort
                        wrong |= (lengths[index] ^ expected) | (entries[index][DecodingTable.shortLength] ^ expected)
                        wrong |= offsets[index &+ 1] < offsets[index] ? 1 : 0
                    }
                    // The padding past the last token must read as not short, so that a block holding an
                    // index past the last token leaves the fast loop (`DecodingTable.View.belowPadded`).
                    for index in lengths.count..<entries.count {
                        wrong |= entries[index][DecodingTable.shortLength] ^ DecodingTable.notShort
                    }
                    return wrong == 0
                }
            }
        }
    }

    /// How many slots of the rank table are filled, or `nil` when one names no token (an index past
    /// `count`, or 0 with a non-zero tag).
    private static func filledSlots(_ slots: TableBuffer<UInt64>, count: Int) -> Int? {
        // In C with AVX2 (CTableChecks): 3.3 M instructions for cl100k as Swift's two-lane loop, 2.2 M so.
        guard count < 1 << 32 else { return nil }
        let filled = slots.withUnsafeBufferPointer { tk_rank_slots_filled($0.baseAddress, $0.count / 2, UInt64(count), 1) }
        return filled < 0 ? nil : Int(filled)
    }

    /// Whether every rank other than `TokenID.max` (none) is one of the `count` mergeable ranks.
    private static func ranksInRange(_ ranks: UnsafeBufferPointer<TokenID>, firstRank: TokenID, count: Int) -> Bool {
        var wrong: UInt32 = 0
        for rank in ranks {
            let outside = rank < firstRank || Int(rank &- firstRank) >= count
            wrong |= rank != .max && outside ? 1 : 0
        }
        return wrong == 0
    }

    /// The section in place inside `region`, else copied.
    private static func table<T: BitwiseCopyable & Sendable>(_ raw: UnsafeRawBufferPointer, in region: ReadOnlyRegion?,
                                                             of _: T.Type) -> TableBuffer<T>? {
        if let region { return TableBuffer(raw, in: region) }
        return array(raw, of: T.self).map(TableBuffer.init)
    }

    /// The section's bytes as an array of `T`, or `nil` when its size is not a whole number of them.
    private static func array<T: BitwiseCopyable>(_ raw: UnsafeRawBufferPointer, of _: T.Type) -> [T]? {
        let stride = MemoryLayout<T>.stride
        guard raw.count % stride == 0 else { return nil }
        let count = raw.count / stride
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0, let source = raw.baseAddress, let target = buffer.baseAddress {
                // o200k's slot table is 8 MB: 2,000 page faults in 4 KiB pages, 4 in huge pages.
                HugePages.advise(UnsafeMutableRawPointer(target), byteCount: raw.count)
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: raw.count)
            }
            initialized = count
        }
    }
}
