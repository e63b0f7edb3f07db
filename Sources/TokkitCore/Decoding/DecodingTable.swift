import CPrefetch

/// Every mergeable token padded to a 16-byte entry, so that decoding copies a token with one 16-byte load
/// and one store instead of looking up its range in `RankTable.offsets` and copying from the arena.
///
/// Entry `i` holds token `i`'s bytes, zero-padded, when the token is *short* (at most 15 bytes: almost
/// every token in running text), and its length in byte 15; else byte 15 is `notShort` (255) and the
/// decoder copies the token from the arena. The decoder reads the length from the entry's last byte
/// *before* storing the entry, so both come from the same cache line of the table (one line an id, not
/// two), and the next write position never waits for the store just made. `lengths` holds the same
/// lengths, one byte per token, for summing an output's length (a table small enough to stay in cache:
/// 50 KB for gpt2).
///
/// Why 255 and not 0 for "not short": the decoding loops take sixteen ids at a time without a test
/// per id, and test the block once: sixteen short tokens add up to at most 16 × 15 = 240 bytes,
/// while one `notShort` among them makes the sum at least 255 + 15 = 270.
///
/// Memory: 17 bytes per token (3.4 MB for o200k's 200k tokens; gpt2's entries padded to 65,536); built in one pass over the arena,
/// about 1 ms for cl100k (1-3% of loading the vocabulary).
///
/// Performance notes (one thread, ids in memory; 1.84 bytes per id for gpt2 on multilingual text,
/// about 4 for the larger vocabularies). The earlier loop took four ids a round with a test of each and
/// spent about 15 instructions per id (Swift reloaded spilled pointers every round); the blocks of
/// sixteen spend 6 per id and the block's vector range test. What is left is the table's cache misses:
/// 99% of the ids of public_en fall in 400 KB of gpt2's entries but in 1.1 MB of o200k's, more than a
/// core's 1 MB L2. Hence the length in the entry (session 15: callgrind with a 1 MB last-level cache,
/// o200k on public_en: L1 read misses 3.3 M → 1.9 M, L2 read misses 711 k → 633 k, instructions 64.8 M →
/// 61.4 M; in a stand-alone Swift model of the loop, 40 interleaved runs under load, median +4-17%), and, for
/// vocabularies whose entries outgrow an L2 (`prefetchCount`), a prefetch of each entry ahead of its copy
/// (`prefetchDistance`): three instructions more an id, +12-25% median on o200k and cl100k in the same
/// runs (then sixteen ids ahead), but -10% on gpt2, whose entries stay in L2. Tried and dropped: the
/// length in the entry's last byte read *after*
/// the store (the compiler forwarded it from the output just stored, which chains every token's position
/// to the previous store: 2x slower); 8-byte entries (7 bytes and a length), which halve the table but send
/// 9-11% of the ids of English text (tokens of 8-16 bytes) off the fast path: 0.5-0.8x in a C model, on
/// every row; the first pass of the parallel decode walking backwards, so the second would find its first
/// ids in cache (slower).
struct DecodingTable: Sendable {
    /// The longest token an entry holds whole; its byte 15 is the length.
    static let shortLength = 15
    /// The bytes a short token's store writes: the whole entry.
    static let entrySize = 16
    /// `lengths[i]` of a token that is not short: longer than 16 bytes, or a gap in the ranks.
    static let notShort: UInt8 = 255
    /// How many ids the decoding loops take at a time; `blockBound` is the most bytes a block of short
    /// tokens writes, and any `notShort` in a block makes its sum of lengths larger.
    static let blockSize = 16
    static let blockBound = blockSize * shortLength
    /// How far past a block's start its stores may reach when the block holds `notShort` tokens
    /// (their length 255 moves the later stores along) and is then rewritten one id at a time: the
    /// room a caller leaves after the reserved 16 bytes per id.
    static let blockSlack = (blockSize - 1) * Int(notShort) + entrySize
    /// Above this many tokens (1 MB of entries, a core's L2 cache) the loop prefetches each entry
    /// `prefetchDistance` ids ahead.
    static let prefetchCount = 1 << 16
    /// How many ids ahead of its copy an entry is prefetched: four blocks. One block (the next) was too
    /// close on a busy core to hide a miss to L3 (session 18: one thread into a reused buffer, o200k, median
    /// MB per CPU-second of 6 interleaved runs of 9, public_en 1953-2358 → 2445-2661, public_multi
    /// 1951-2067 → 2168-2170; cl100k public_en 2435 → 2388, public_multi 2100 → 2363, 4 runs; 3 and 6
    /// blocks about as good, 2 no better than 1). The run-to-run spread on the shared machine is ±20%.
    static let prefetchDistance = 4 * blockSize

    /// Token `i`'s bytes, and in byte 15 its length when short, else `notShort`. A table of at most
    /// `prefetchCount` tokens is padded with `notShort` entries to a power of two (`paddedCount`), so that
    /// the loop that does not prefetch tests a block with one OR of its indices (see `View.belowPadded`).
    let entries: TableBuffer<SIMD16<UInt8>>
    /// Token `i`'s length when short, else `notShort`: the entries' byte 15, on their own.
    let lengths: TableBuffer<UInt8>

    /// How many entries a table of `count` tokens holds: `count`, or for the tables that are not
    /// prefetched the power of two at or above it (gpt2's 50,257 → 65,536: 244 KB more, never read by
    /// valid ids).
    static func paddedCount(_ count: Int) -> Int {
        count > prefetchCount ? count : max(blockSize, 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount))
    }

    /// An entry past the last token: no bytes, `notShort`.
    static let padding: SIMD16<UInt8> = {
        var entry = SIMD16<UInt8>.zero
        entry[shortLength] = notShort
        return entry
    }()

    /// - Complexity: O(number of tokens).
    init(_ table: RankTable) {
        let count = table.count
        var lengths = [UInt8](repeating: Self.notShort, count: count)
        var entries = [SIMD16<UInt8>](repeating: Self.padding, count: Self.paddedCount(count))
        table.withView { view in
            entries.withUnsafeMutableBytes { raw in
                for index in 0..<count {
                    let start = Int(view.offsets[index])
                    let length = view.length(at: index)
                    let entry = raw.baseAddress! + Self.entrySize * index
                    guard length > 0, length <= Self.shortLength else { continue }
                    entry.storeBytes(of: .zero, as: SIMD16<UInt8>.self)
                    entry.copyMemory(from: view.arena + start, byteCount: length)
                    entry.storeBytes(of: UInt8(length), toByteOffset: Self.shortLength, as: UInt8.self)
                    lengths[index] = UInt8(length)
                }
            }
        }
        self.entries = TableBuffer(entries)
        self.lengths = TableBuffer(lengths)
    }

    /// A table whose entries were built earlier, padding included (read back from a cache; see
    /// `VocabularyTables`, which checks the count and the padding).
    init(entries: TableBuffer<SIMD16<UInt8>>, lengths: TableBuffer<UInt8>) {
        self.entries = entries
        self.lengths = lengths
    }

    /// Runs `body` with the tables (and `table`, for long tokens) as raw pointers.
    @inline(__always)
    func withView<R, E: Error>(_ table: RankTable, firstRank: TokenID, _ body: (View) throws(E) -> R) throws(E) -> R {
        try entries.withUnsafeBufferPointer { entries throws(E) in
            try lengths.withUnsafeBufferPointer { lengths throws(E) in
                try table.withView { tokens throws(E) in
                    // An empty vocabulary has no base addresses, but then no id is mergeable and
                    // neither table is read.
                    let anywhere = UnsafeRawPointer(tokens.offsets)
                    return try body(View(entries: entries.baseAddress ?? anywhere.assumingMemoryBound(to: SIMD16<UInt8>.self),
                                         lengths: lengths.baseAddress ?? anywhere.assumingMemoryBound(to: UInt8.self),
                                         tokens: tokens, count: UInt32(table.count), paddedMask: UInt32(truncatingIfNeeded: entries.count &- 1),
                                         firstRank: firstRank))
                }
            }
        }
    }

    /// The decoding loops, over raw pointers valid inside `withView`. Each stops at the first id that
    /// is not a mergeable token and returns its position (or `ids.count`), so that the rare special
    /// or unknown id is handled by the caller, outside the loop.
    struct View {
        let entries: UnsafePointer<SIMD16<UInt8>>
        let lengths: UnsafePointer<UInt8>
        let tokens: RankTable.View
        let count: UInt32
        /// The entries' count less one: every index up to it reads an entry (see `paddedCount`).
        let paddedMask: UInt32
        let firstRank: TokenID

        /// The index of `id` in the tables, or `nil` when it is not a mergeable token.
        ///
        /// `Vocabulary.init` keeps `firstRank + count` below `UInt32.max`, so an id below
        /// `firstRank` wraps to an index of at least `count`: one comparison rejects both sides.
        @inline(__always)
        func index(of id: TokenID) -> Int? {
            let index = id &- firstRank
            return index < count ? Int(index) : nil
        }

        /// Whether `ids[position..<position + blockSize]` are all mergeable-range ids: one vector
        /// test for the block, so that the loops index the tables with no test per id.
        ///
        /// With `count` below 2^31, an index is below `count` exactly when `index - count` wraps to a
        /// value with its top bit set while `index` has it clear; the lanes are ANDed in halves
        /// because a vector comparison's mask compiled to a lane-by-lane loop through memory.
        @inline(__always)
        static func inRange(_ ids: UnsafeBufferPointer<TokenID>, _ position: Int, firstRank: TokenID, count: UInt32) -> Bool {
            let index = UnsafeRawPointer(ids.baseAddress! + position).loadUnaligned(as: SIMD16<UInt32>.self)
                &- SIMD16(repeating: firstRank)
            let below = (index &- SIMD16(repeating: count)) & ~index
            let a = below.lowHalf & below.highHalf, b = a.lowHalf & a.highHalf, c = b.lowHalf & b.highHalf
            return count < 1 << 31 && (c[0] & c[1]) >= 1 << 31
        }

        /// Whether the indices of `ids[position..<position + blockSize]` all fall in entries padded to
        /// `paddedMask + 1`, a power of two: their OR has no bit above the mask. About half the instructions
        /// of `inRange`: one-thread decode of gpt2 ids, callgrind, 77.9M → 68.6M on public_en and 217.0M →
        /// 190.2M on public_multi (session 19; CPU time better on public_en, even on public_multi within the
        /// shared machine's spread). An index past the last token reads a `notShort` padding entry, so the
        /// block is then rewritten one id at a time and stops there.
        @inline(__always)
        static func belowPadded(_ ids: UnsafeBufferPointer<TokenID>, _ position: Int, firstRank: TokenID, paddedMask: UInt32) -> Bool {
            let index = UnsafeRawPointer(ids.baseAddress! + position).loadUnaligned(as: SIMD16<UInt32>.self)
                &- SIMD16(repeating: firstRank)
            let a = index.lowHalf | index.highHalf, b = a.lowHalf | a.highHalf, c = b.lowHalf | b.highHalf
            return (c[0] | c[1]) & ~paddedMask == 0
        }

        /// Adds the lengths of the mergeable tokens `ids[start...]` to `total`, up to the first
        /// other id (special, unknown, or a gap in the ranks), and returns that id's position (or `ids.count`).
        func addLengths(of ids: UnsafeBufferPointer<TokenID>, from start: Int, to total: inout Int) -> Int {
            // As in `writeTokens`: a copy of the loop for ranks starting at 0.
            firstRank == 0 ? addLengths(of: ids, from: start, to: &total, firstRank: 0)
                           : addLengths(of: ids, from: start, to: &total, firstRank: firstRank)
        }

        @inline(__always)
        private func addLengths(of ids: UnsafeBufferPointer<TokenID>, from start: Int, to total: inout Int,
                                firstRank: TokenID) -> Int {
            let lengths = lengths, count = count
            var sum = total
            var position = start
            while position &+ DecodingTable.blockSize <= ids.count,
                  Self.inRange(ids, position, firstRank: firstRank, count: count) {
                var block = 0
                for k in 0..<DecodingTable.blockSize { block &+= Int(lengths[Int(ids[position &+ k] &- firstRank)]) }
                guard block <= DecodingTable.blockBound else { break }
                sum &+= block
                position &+= DecodingTable.blockSize
            }
            while position < ids.count, let index = index(of: ids[position]) {
                var length = Int(lengths[index])
                if length == Int(DecodingTable.notShort) {
                    // A long token, or a gap (no bytes: not mergeable, the caller decides).
                    length = tokens.length(at: index)
                    if length == 0 { break }
                }
                sum &+= length
                position &+= 1
            }
            total = sum
            return position
        }

        /// Copies the long token at table index `index` to `output + at` and advances `at`, or
        /// returns false when the index is a gap (no bytes).
        @inline(__always)
        func writeLong(_ index: Int, to output: UnsafeMutableRawPointer, at: inout Int) -> Bool {
            let length = tokens.length(at: index)
            guard length > 0 else { return false }
            (output + at).copyMemory(from: tokens.arena + Int(tokens.offsets[index]), byteCount: length)
            at &+= length
            return true
        }

        /// Writes the mergeable tokens `ids[start...]` at `output + at`, up to the first other id (special,
        /// unknown or a gap) or the first long token that does not fit below `output + limit`; advances
        /// `at`, and returns that id's position (or `ids.count`). A short token takes one 16-byte store, so
        /// `output + at` needs room for `16 × ids.count` bytes and `blockSlack` more: the bound that lets a
        /// decode write in one pass, with no length pass. A long token is copied from the arena at its
        /// length when it leaves that much room for the ids after it (`limit` is `Int.max` where the
        /// caller's region is exact, see `Vocabulary.write`).
        ///
        /// Sixteen ids a round: one vector test that all are in the mergeable range, sixteen copies
        /// with no test, then one test that their lengths add up to at most `blockBound` (every token
        /// short). A block that fails either test is rewritten one id at a time from its start, long
        /// tokens included, and the blocks go on after it.
        ///
        /// Why long tokens here and not by the caller: leaving the loop for each of them (one in 170-310
        /// ids of English text: runs of spaces, dashes) and coming back through the caller's append cost
        /// about 220 instructions apiece, 1.6 of the 8.8 instructions an id of decoding gpt2 ids of
        /// public_en (callgrind, session 22).
        ///
        /// Every bundled vocabulary's ranks start at 0: that case gets its own copy of the loop, with
        /// no subtraction per id; and so do tables large enough to prefetch (see `prefetchCount`).
        @inline(__always)
        func writeTokens(_ ids: UnsafeBufferPointer<TokenID>, from start: Int,
                         to output: UnsafeMutableRawPointer, at: inout Int, limit: Int) -> Int {
            switch (firstRank == 0, count > DecodingTable.prefetchCount) {
            // Not prefetching: the entries are padded to `paddedCount` (see `belowPadded`).
            case (true, false): writeTokens(ids, from: start, to: output, at: &at, limit: limit, firstRank: 0, prefetch: false)
            case (true, true): writeTokens(ids, from: start, to: output, at: &at, limit: limit, firstRank: 0, prefetch: true)
            case (false, false): writeTokens(ids, from: start, to: output, at: &at, limit: limit, firstRank: firstRank, prefetch: false)
            case (false, true): writeTokens(ids, from: start, to: output, at: &at, limit: limit, firstRank: firstRank, prefetch: true)
            }
        }

        @inline(__always)
        private func writeTokens(_ ids: UnsafeBufferPointer<TokenID>, from start: Int, to output: UnsafeMutableRawPointer,
                                 at: inout Int, limit: Int, firstRank: TokenID, prefetch: Bool) -> Int {
            // Locals, not `self`'s fields: the stores through `output` could alias the view in memory,
            // so the compiler reloaded every field on every round.
            let entries = entries, count = count, paddedMask = paddedMask
            let table = UnsafeRawPointer(entries)
            /// Stores the entry of table index `index` at `output + next` and returns the token's length.
            /// The length is loaded from the table before the store: loaded after it, it was read back
            /// from the output just written (a store-to-load wait on every id).
            @inline(__always)
            func copy(_ index: Int, to next: Int) -> Int {
                let length = Int(table.load(fromByteOffset: index &<< 4 &+ DecodingTable.shortLength, as: UInt8.self))
                output.storeBytes(of: entries[index], toByteOffset: next, as: SIMD16<UInt8>.self)
                return length
            }
            var end = at
            var position = start
            while true {
                while position &+ DecodingTable.blockSize <= ids.count,
                      prefetch ? Self.inRange(ids, position, firstRank: firstRank, count: count)
                               : Self.belowPadded(ids, position, firstRank: firstRank, paddedMask: paddedMask) {
                    var next = end
                    if prefetch && position &+ DecodingTable.prefetchDistance &+ DecodingTable.blockSize <= ids.count {
                        for k in 0..<DecodingTable.blockSize {
                            // The ids ahead are not checked yet, but a prefetch of any address is harmless.
                            tk_prefetch(entries + Int(ids[position &+ k &+ DecodingTable.prefetchDistance] &- firstRank))
                            next &+= copy(Int(ids[position &+ k] &- firstRank), to: next)
                        }
                    } else {
                        for k in 0..<DecodingTable.blockSize { next &+= copy(Int(ids[position &+ k] &- firstRank), to: next) }
                    }
                    guard next &- end <= DecodingTable.blockBound else { break }
                    end = next
                    position &+= DecodingTable.blockSize
                }
                // The block that failed a test (or the last ids, fewer than a block), one id at a time.
                let slow = writeSlowly(ids, from: position, to: output, at: end, limit: limit, firstRank: firstRank)
                position = slow.position
                end = slow.end
                guard slow.finished else { break }
                if position == ids.count { break }
            }
            at = end
            return position
        }

        /// The ids `ids[position..<position + blockSize]` (fewer at the end) one at a time, long tokens
        /// copied from the arena when they leave room below `limit` for 16 bytes an id after them and the
        /// slack. Returns where it stopped and the end of the bytes written; not `finished` at the first id
        /// that stops the loop (`position` is then that id's).
        ///
        /// Out of line, and values in and out rather than `inout`: inlined, its extra pointers made the
        /// compiler spill the block loop's table pointer and reload it on every id, and an `inout` end kept
        /// the block loop's end in memory (callgrind: cl100k on public_en 101.9 M → 114.4 M, then 97.4 M).
        @inline(never)
        private func writeSlowly(_ ids: UnsafeBufferPointer<TokenID>, from start: Int, to output: UnsafeMutableRawPointer,
                                 at end: Int, limit: Int, firstRank: TokenID) -> (position: Int, end: Int, finished: Bool) {
            let entries = entries, count = count, tokens = tokens
            var at = end, next = start
            let blockEnd = min(ids.count, next &+ DecodingTable.blockSize)
            while next < blockEnd {
                let rank = ids[next] &- firstRank
                guard rank < count else { return (next, at, false) }
                let index = Int(rank)
                let short = UnsafeRawPointer(entries).load(fromByteOffset: index &<< 4 &+ DecodingTable.shortLength, as: UInt8.self)
                if short != DecodingTable.notShort {
                    output.storeBytes(of: entries[index], toByteOffset: at, as: SIMD16<UInt8>.self)
                    at &+= Int(short)
                } else {
                    // `limit` may be `Int.max`, hence the subtractions (`at` is never negative).
                    let length = tokens.length(at: index)
                    guard length > 0, length <= limit &- at &- DecodingTable.entrySize &* (ids.count &- next &- 1)
                                                  &- DecodingTable.blockSlack
                    else { return (next, at, false) }
                    (output + at).copyMemory(from: tokens.arena + Int(tokens.offsets[index]), byteCount: length)
                    at &+= length
                }
                next &+= 1
            }
            return (next, at, true)
        }

        /// `writeTokens`, but each token copied at its exact length: nothing is
        /// written past the last token's end. For the end of a part that another thread writes right after.
        func writeExactly(_ ids: UnsafeBufferPointer<TokenID>, from start: Int,
                          to output: UnsafeMutableRawPointer, at: inout Int) -> Int {
            var position = start
            while position < ids.count, let index = index(of: ids[position]) {
                let length = tokens.length(at: index)
                if length == 0 { break }
                (output + at).copyMemory(from: tokens.arena + Int(tokens.offsets[index]), byteCount: length)
                at &+= length
                position &+= 1
            }
            return position
        }
    }
}
