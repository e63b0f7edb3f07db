import CPrefetch
import Synchronization

/// Byte strings stored back to back in one arena, found again through a flat open-addressing table.
///
/// Why not `[[UInt8]: TokenID]`: hashing an `Array` key allocates nothing but still walks generic
/// code per byte, and every entry is a separate heap object. Here a lookup is one hash over raw
/// bytes and a few probes of a flat slot array. Each slot holds the token's first eight bytes, so
/// a lookup of a token of up to eight bytes (most pieces, and every pair the merger tries early)
/// touches one cache line: no trip through `offsets` and `arena`, which on a large vocabulary
/// were two more cache misses per lookup. The tokens of 9 to 16 bytes are also in `longSlots`, whose
/// slots hold all their bytes, so that the whole-piece lookup of an English word of eight letters or
/// more is one cache line too.
@usableFromInline
struct RankTable: Sendable {
    /// All token bytes, concatenated in index order.
    let arena: TableBuffer<UInt8>
    /// `offsets[i] ..< offsets[i + 1]` is the range of token `i` in `arena`.
    let offsets: TableBuffer<UInt32>
    /// Two words per slot: the token's first eight bytes (`ByteHash.prefix`), then
    /// `tag | min(length, 255) << 32 | (index + 1)` with the top 24 bits of the hash as tag; the
    /// second word is 0 when the slot is empty.
    let slots: TableBuffer<UInt64>
    let mask: Int
    /// A bitset indexed by hash bits, set for the hash of every token: most lookups while
    /// merging ask for byte strings that are no token, and this bitset, small enough to stay in
    /// the L2 cache, answers most of them without touching `slots`, which is too large to.
    let filter: TableBuffer<UInt64>
    /// The filter's bit count minus one.
    let filterMask: Int
    /// The tokens of 9 to 16 bytes once more, in a table of their own whose slots hold all their bytes:
    /// four words per slot, the first eight bytes (`ByteHash.prefix`), the last eight, the meta word as in
    /// `slots`, and 0; the third word is 0 when the slot is empty. See `View.wholePieceIndex`.
    let longSlots: TableBuffer<UInt64>
    /// Different for every table built in this process (copies share it): what a merger's piece
    /// cache checks so that ids cached for one vocabulary are never given for another.
    let serial: UInt64

    /// Whether `longSlots` holds the keys of `count` bytes: 9 to 16, whose first and last eight bytes are all of them.
    @inlinable @inline(__always)
    static func isLong(_ count: Int) -> Bool { UInt(bitPattern: count &- 9) < 8 }

    var count: Int { offsets.count - 1 }

    /// `longSlots`' slot count minus one.
    var longMask: Int { longSlots.count / 4 - 1 }

    func bytes(at index: Int) -> Slice<TableBuffer<UInt8>> {
        arena[Int(offsets[index])..<Int(offsets[index + 1])]
    }

    func index(of bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { index(of: $0) }
    }

    /// - Complexity: O(bytes.count) expected.
    func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let index = withView { $0.index(of: base, count: bytes.count, hash: ByteHash.hash(base, count: bytes.count)) }
        return index < 0 ? nil : index
    }

    /// Runs `body` with raw pointers to the table, so that hot loops pay for reaching the arrays
    /// once, not once per lookup.
    @inline(__always)
    func withView<R, E: Error>(_ body: (View) throws(E) -> R) throws(E) -> R {
        let longMask = self.longMask
        return try longSlots.withUnsafeBufferPointer { longSlots throws(E) in
            try slots.withUnsafeBufferPointer { slots throws(E) in
                try arena.withUnsafeBufferPointer { arena throws(E) in
                    try offsets.withUnsafeBufferPointer { offsets throws(E) in
                        // Slots and offsets are never empty (16+ slots, one offset per token plus one). An
                        // empty arena has no base address, but then no slot is filled and it is never read.
                        let arenaBase = arena.baseAddress ?? UnsafeRawPointer(slots.baseAddress!).assumingMemoryBound(to: UInt8.self)
                        return try filter.withUnsafeBufferPointer { filter throws(E) in
                            try body(View(slots: slots.baseAddress!, arena: arenaBase,
                                          offsets: offsets.baseAddress!, mask: mask, filter: filter.baseAddress!,
                                          filterMask: filterMask, longSlots: longSlots.baseAddress!, longMask: longMask))
                        }
                    }
                }
            }
        }
    }

    /// The table as raw pointers, valid inside `withView`.
    @usableFromInline
    struct View {
        @usableFromInline let slots: UnsafePointer<UInt64>
        @usableFromInline let arena: UnsafePointer<UInt8>
        @usableFromInline let offsets: UnsafePointer<UInt32>
        @usableFromInline let mask: Int
        @usableFromInline let filter: UnsafePointer<UInt64>
        @usableFromInline let filterMask: Int
        @usableFromInline let longSlots: UnsafePointer<UInt64>
        @usableFromInline let longMask: Int

        /// Starts loading the first slot that `wholePieceIndex` reads for a piece of `count` bytes with this
        /// hash (a whole piece's lookup does not ask the filter, see `index(of:count:hash:prefix:askingFilter:)`).
        @inlinable @inline(__always)
        func prefetch(hash: UInt64, count: Int) {
            let long = RankTable.isLong(count)
            let home = Int(truncatingIfNeeded: hash)
            tk_prefetch(long ? longSlots + 4 &* (home & longMask) : slots + 2 &* (home & mask))
        }

        /// The index of a whole piece, the `count` bytes at `bytes` whose `ByteHash` is `hash` and `ByteHash.prefix`
        /// is `prefix`, or -1; the filter is not asked (see `index(of:count:hash:prefix:askingFilter:)`).
        ///
        /// A piece of 9 to 16 bytes is looked up in `longSlots`, whose slot holds its first and last eight bytes,
        /// which together are all of them: one load decides, where `slots` needed two more that depend on it (the
        /// token's offsets, then its bytes in the arena), and those two held 30% of the samples of the loop that
        /// looks pieces up (`PieceQueue.drain`, public_en with cl100k_base: English words of eight letters or more).
        @inlinable @inline(__always)
        func wholePieceIndex(of bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, prefix: UInt64) -> Int {
            guard RankTable.isLong(count) else {
                return index(of: bytes, count: count, hash: hash, prefix: prefix, askingFilter: false)
            }
            let suffix = UnsafeRawPointer(bytes).loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            let meta = RankTable.meta(hash: hash, count: count)
            var position = Int(truncatingIfNeeded: hash) & longMask
            while true {
                let slot = longSlots + 4 &* position
                let word = slot[2]
                if word == 0 { return -1 }
                if word & RankTable.metaMask == meta, slot[0] == prefix, slot[1] == suffix { return Int(word & 0xFFFF_FFFF) &- 1 }
                position = (position &+ 1) & longMask
            }
        }

        /// Whether some token may have this hash; `false` is certain.
        @inlinable @inline(__always)
        func mayContain(hash: UInt64) -> Bool {
            let bit = Int(truncatingIfNeeded: hash >> 32) & filterMask
            return filter[bit &>> 6] & (1 &<< UInt64(bit & 63)) != 0
        }

        /// The length of token `index`.
        @inline(__always)
        func length(at index: Int) -> Int {
            Int(offsets[index &+ 1] &- offsets[index])
        }

        /// The index of the `count` bytes at `bytes`, whose `ByteHash` is `hash`, or -1.
        @inlinable @inline(__always)
        func index(of bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64) -> Int {
            index(of: bytes, count: count, hash: hash, prefix: ByteHash.prefix(bytes, count: count))
        }

        /// The same with the key's `ByteHash.prefix` already at hand (a piece's, read once to hash it).
        ///
        /// `askingFilter: false` for a whole piece: nine pieces in ten are tokens, for which the
        /// filter can only say "maybe", at the cost of a load and a test, while the slot (prefetched)
        /// answers either way. The filter pays for the merger's lookups, which are mostly misses.
        @inlinable @inline(__always)
        func index(of bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, prefix: UInt64, askingFilter: Bool = true) -> Int {
            probe(hash: hash, count: count, prefix: prefix, askingFilter: askingFilter) { index in
                if count <= 8 { return true }
                let start = Int(offsets[index])
                return Int(offsets[index &+ 1]) &- start == count && ByteHash.equal(arena + start, bytes, count: count)
            }
        }

        /// The index of a key of 1 to 8 bytes given as its `ByteHash.prefix`, or -1: the slot
        /// alone decides, the arena is never read.
        @inlinable @inline(__always)
        func index(prefix: UInt64, count: Int) -> Int {
            probe(hash: ByteHash.hash(prefix: prefix, count: count), count: count, prefix: prefix) { _ in true }
        }

        /// Walks the slots from the hash's home; a slot whose tag, length and first eight bytes
        /// match is the key when `rest` confirms the bytes after the eighth.
        @inlinable @inline(__always)
        func probe(hash: UInt64, count: Int, prefix: UInt64, askingFilter: Bool = true, rest: (Int) -> Bool) -> Int {
            if askingFilter && !mayContain(hash: hash) { return -1 }
            let meta = RankTable.meta(hash: hash, count: count)
            var position = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[2 &* position &+ 1]
                if slot == 0 { return -1 }
                if slot & RankTable.metaMask == meta, slots[2 &* position] == prefix {
                    let index = Int(slot & 0xFFFF_FFFF) &- 1
                    if rest(index) { return index }
                }
                position = (position &+ 1) & mask
            }
        }
    }

    /// The bits of a slot's second word that identify the key: hash tag and (capped) length.
    @usableFromInline static let metaMask: UInt64 = 0xFFFF_FF00_0000_0000 | 0xFF << 32

    @inlinable @inline(__always)
    static func meta(hash: UInt64, count: Int) -> UInt64 {
        hash & 0xFFFF_FF00_0000_0000 | UInt64(min(count, 255)) << 32
    }

    /// Builds a table: the strings are interned in the package's ``ByteStringTable`` (which finds
    /// duplicates and owns the arena and offsets, handed over as they are), and each new string also
    /// gets its slot in the read-side layout above, which the encode hot path probes.
    struct Builder {
        var strings: ByteStringTable
        var slots: [UInt64]
        let mask: Int
        var filter: [UInt64]
        let filterMask: Int

        init(expectedCount: Int) {
            strings = ByteStringTable(expectedCount: expectedCount)
            var capacity = 16
            while capacity < expectedCount * 2 + 1 { capacity <<= 1 }
            slots = [UInt64](repeating: 0, count: 2 * capacity)
            mask = capacity - 1
            // 16 bits per token or more: about 6% of absent keys pass. gpt2 gets 128 KiB, cl100k
            // 256 KiB, o200k 512 KiB, which stay in a core's L2 cache.
            var bits = 1 << 12
            while bits < expectedCount * 16 { bits <<= 1 }
            filter = [UInt64](repeating: 0, count: bits / 64)
            filterMask = bits - 1
        }

        /// Adds `bytes` as the next index, or returns the index that already holds the same bytes.
        ///
        /// - Throws: ``ByteStringTableFull`` beyond 2³² − 2 tokens or 4 GiB of token bytes.
        mutating func insert(_ bytes: [UInt8]) throws(ByteStringTableFull) -> Int? {
            let (hash, prefix) = bytes.withUnsafeBufferPointer { (ByteHash.hash($0.baseAddress, count: $0.count), ByteHash.prefix($0.baseAddress, count: $0.count)) }
            let (index, inserted) = try bytes.withUnsafeBytes { raw in
                Result { () throws(ByteStringTableFull) in try strings.intern(raw.baseAddress, count: raw.count, hash: hash) }
            }.get()
            guard inserted else { return index }
            // New bytes: the first empty slot from the home is theirs (no key here can equal them).
            var position = Int(truncatingIfNeeded: hash) & mask
            while slots[2 * position + 1] != 0 { position = (position + 1) & mask }
            slots[2 * position] = prefix
            slots[2 * position + 1] = RankTable.meta(hash: hash, count: bytes.count) | UInt64(index + 1)
            let bit = Int(truncatingIfNeeded: hash >> 32) & filterMask
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
            return nil
        }

        /// Adds an index with no bytes, which no lookup finds: a rank the vocabulary leaves unused.
        mutating func insertGap() throws(ByteStringTableFull) {
            try strings.appendUnindexed([])
        }

        consuming func build() -> RankTable {
            let (arena, offsets) = strings.takeStorage()
            return RankTable(arena: TableBuffer(arena), offsets: TableBuffer(offsets), slots: TableBuffer(slots), mask: mask, filter: TableBuffer(filter), filterMask: filterMask,
                             longSlots: TableBuffer(RankTable.longSlots(arena: arena, offsets: offsets)), serial: RankTable.nextSerial())
        }
    }

    /// `longSlots` for the tokens in `arena` at `offsets`: at least 16 slots and a third more than tokens of 9 to
    /// 16 bytes (cl100k_base 19,760 in 32,768 slots, 1 MiB; o200k_base 47,701 in 65,536, 2 MiB), so that at
    /// least one is empty and every probe ends.
    static func longSlots(arena: [UInt8], offsets: [UInt32]) -> [UInt64] {
        let long = (0..<(offsets.count - 1)).filter { isLong(Int(offsets[$0 + 1] - offsets[$0])) }
        var capacity = 16
        while capacity * 3 < long.count * 4 + 1 { capacity <<= 1 }
        var slots = [UInt64](repeating: 0, count: 4 * capacity)
        arena.withUnsafeBufferPointer { arena in
            for index in long {
                let bytes = arena.baseAddress! + Int(offsets[index]), count = Int(offsets[index + 1] - offsets[index])
                let hash = ByteHash.hash(bytes, count: count)
                var position = Int(truncatingIfNeeded: hash) & (capacity - 1)
                while slots[4 * position + 2] != 0 { position = (position + 1) & (capacity - 1) }
                slots[4 * position] = ByteHash.prefix(bytes, count: count)
                slots[4 * position + 1] = UnsafeRawPointer(bytes).loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                slots[4 * position + 2] = RankTable.meta(hash: hash, count: count) | UInt64(index + 1)
            }
        }
        return slots
    }

    /// Whether `longSlots` can be probed safely and names only the `count` tokens: a power of two of four-word
    /// slots, at least one empty, every index in range. For tables read back from a cache file.
    static func isWellFormed(longSlots: TableBuffer<UInt64>, count: Int) -> Bool {
        let slotCount = longSlots.count / 4
        guard longSlots.count % 4 == 0, slotCount >= 16, slotCount & (slotCount - 1) == 0 else { return false }
        // Run on every load from the cache: integer flags and no branch per slot, as `Vocabulary(sections:…)`'s other
        // passes (index + 1 of an empty slot is 0, so `index - 1 < count` unsigned is false only for a bad index).
        return longSlots.withUnsafeBufferPointer { slots in
            var empties = 0, wrong: UInt64 = 0
            for position in 0..<slotCount {
                let word = slots[4 &* position &+ 2]
                let index = word & 0xFFFF_FFFF
                empties &+= word == 0 ? 1 : 0
                wrong |= word != 0 && index &- 1 >= UInt64(count) ? 1 : 0
            }
            return empties > 0 && wrong == 0
        }
    }
}

private let rankTableSerials = Atomic<UInt64>(0)

extension RankTable {
    /// A serial no other table of this process has (see `serial`).
    static func nextSerial() -> UInt64 {
        rankTableSerials.add(1, ordering: .relaxed).newValue
    }
}
