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
    package static let layoutVersion: UInt64 = 4

    /// `ByteHash` of a fixed key: stored with the sections, so that tables whose slots were placed by
    /// another hash function are refused even if `layoutVersion` was not bumped.
    package static var hashProbe: UInt64 {
        Array("tokkit rank table".utf8).withUnsafeBufferPointer { ByteHash.hash($0.baseAddress, count: $0.count) }
    }

    /// How many sections `withSections` passes and `Vocabulary(sections:…)` takes.
    package static let sectionCount = 11
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
                                // One entry per token: the padding is added when a table is read back.
                                try decoding.entries.prefix(table.count).withUnsafeBytes { entries in
                                    try decoding.lengths.withUnsafeBytes { lengths in
                                        try gaps.withUnsafeBytes { gaps in
                                            try pairMerges.slots.withUnsafeBytes { merges in
                                                try pairMerges.filter.withUnsafeBytes { mergeFilter in
                                                    try body([arena, offsets, slots, filter, singles, pairs, entries, lengths, gaps,
                                                              merges, mergeFilter], scalars)
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
    package init?(sections: [UnsafeRawBufferPointer], scalars: [UInt64],
                  specialTokens: [SpecialToken]) throws(VocabularyError) {
        guard sections.count == VocabularyTables.sectionCount, scalars.count == VocabularyTables.scalarCount,
              scalars[0] < UInt64(UInt32.max), scalars[1] < 1 << 40, scalars[2] < 1 << 40, scalars[3] < 1 << 40, scalars[4] < 1 << 40,
              let arena = Self.array(sections[0], of: UInt8.self),
              let offsets = Self.array(sections[1], of: UInt32.self),
              let slots = Self.array(sections[2], of: UInt64.self),
              let filter = Self.array(sections[3], of: UInt64.self),
              let singles = Self.array(sections[4], of: TokenID.self),
              let pairs = Self.array(sections[5], of: TokenID.self),
              let entries = Self.array(sections[6], of: SIMD16<UInt8>.self),
              let lengths = Self.array(sections[7], of: UInt8.self),
              let gaps = Self.array(sections[8], of: TokenID.self),
              let merges = Self.array(sections[9], of: UInt64.self),
              let mergeFilter = Self.array(sections[10], of: UInt64.self)
        else { return nil }
        let firstRank = TokenID(scalars[0]), mask = Int(scalars[1]), filterMask = Int(scalars[2])
        let count = offsets.count - 1
        guard count >= 0, offsets[0] == 0, Int(offsets[count]) == arena.count,
              Int(firstRank) + count + specialTokens.count < Int(UInt32.max),
              mask >= 15, mask & (mask + 1) == 0, slots.count == 2 * (mask + 1), count <= mask,
              filterMask >= 63, filterMask & (filterMask + 1) == 0, filter.count * 64 == filterMask + 1,
              singles.count == 256, pairs.count == 1 << 16, entries.count == count, lengths.count == count
        else { return nil }
        for index in 0..<count {
            let length = Int(offsets[index + 1]) - Int(offsets[index])
            let short = length > 0 && length <= DecodingTable.shortLength
            guard length >= 0, lengths[index] == (short ? UInt8(length) : DecodingTable.notShort),
                  entries[index][DecodingTable.shortLength] == lengths[index] else { return nil }
        }
        var filled = 0
        var position = 1
        while position < slots.count {
            let word = slots[position]
            if word != 0 {
                guard Int(word & 0xFFFF_FFFF) <= count, word & 0xFFFF_FFFF != 0 else { return nil }
                filled += 1
            }
            position += 2
        }
        guard filled <= mask else { return nil }
        let end = UInt64(firstRank) + UInt64(count)
        for rank in singles where rank != .max { guard rank >= firstRank, UInt64(rank) < end else { return nil } }
        for rank in pairs where rank != .max { guard rank >= firstRank, UInt64(rank) < end else { return nil } }
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
                              filterMask: filterMask, serial: RankTable.nextSerial())
        try self.init(firstRank: firstRank, specialTokens: specialTokens, gaps: gaps, table: table,
                      singleByteRank: singles, bytePairRank: pairs,
                      decoding: DecodingTable(entries: entries, lengths: lengths),
                      pairMerges: PairMergeTable(slots: merges, mask: Int(scalars[3]), filter: mergeFilter,
                                                 filterMask: Int(scalars[4])))
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
