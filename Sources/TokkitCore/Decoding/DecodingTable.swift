/// Every mergeable token padded to 16 bytes, so that decoding copies a token with one 16-byte load
/// and one store instead of looking up its range in `RankTable.offsets` and copying from the arena.
///
/// Entry `i` holds token `i`'s bytes, zero-padded, when the token is *short* (at most 16 bytes:
/// almost every token in running text); `lengths[i]` is then its length, else `notShort` (255) and
/// the decoder copies the token from the arena. The lengths are a separate array, one byte per
/// token, so that summing the output length reads a table small enough to stay in cache (50 KB for
/// gpt2), and so that the decoder's next write position never waits for a load from the entry it
/// just stored.
///
/// Why 255 and not 0 for "not short": the decoding loops take sixteen ids at a time without a test
/// per id, and test the block once: sixteen short tokens add up to at most 16 × 16 = 256 bytes,
/// while one `notShort` among them makes the sum at least 255 + 15 = 270.
///
/// Memory: 17 bytes per token (3.4 MB for o200k's 200k tokens); built in one pass over the arena,
/// about 1 ms for cl100k (1-3% of loading the vocabulary).
///
/// Performance notes (one thread, ids in memory; 1.84 bytes per id for gpt2 on multilingual text,
/// about 4 for the larger vocabularies). The loop is bound more by instructions per id than by the
/// table's cache misses: in a C model of it, masking every id into the first 256 entries (all in
/// L1) made it only 10-25% faster. The earlier loop took four ids a round with a test of each and
/// spent about 15 instructions per id (Swift reloaded spilled pointers every round); the blocks of
/// sixteen spend about 10 (8 per id and the block's vector range test): 1.2-1.6x its rate in an
/// interleaved A/B. Reading each id's length before its entry saves the copy of the index that the
/// entry's shifted address needed (6 instructions per id in the block for ranks from 0, was 7; best of
/// three interleaved runs at load 5: +6-16% on public_multi, within the noise). Tried and dropped: the length in each entry's last byte (the compiler read it
/// back from the output just stored, which chains every token's position to the previous store: 2x
/// slower); 8-byte entries (7 bytes and a length), which halve the table but send 9-11% of the ids
/// of English text (tokens of 8-16 bytes) off the fast path: 0.5-0.8x in the C model, on every row;
/// software prefetch of the entries 16 or 32 ids ahead (no gain: the loads are already independent
/// of one another); the first pass of the parallel decode walking backwards, so the second would
/// find its first ids in cache (slower).
struct DecodingTable: Sendable {
    /// The longest token an entry holds whole.
    static let shortLength = 16
    /// `lengths[i]` of a token that is not short: longer than 16 bytes, or a gap in the ranks.
    static let notShort: UInt8 = 255
    /// How many ids the decoding loops take at a time; `blockBound` is the most bytes a block of short
    /// tokens writes, and any `notShort` in a block makes its sum of lengths larger.
    static let blockSize = 16
    static let blockBound = blockSize * shortLength
    /// How far past a block's start its stores may reach when the block holds `notShort` tokens
    /// (their length 255 moves the later stores along) and is then rewritten one id at a time: the
    /// room a caller leaves after the reserved 16 bytes per id.
    static let blockSlack = (blockSize - 1) * Int(notShort) + shortLength

    let entries: [SIMD16<UInt8>]
    /// Token `i`'s length when short, else `notShort`.
    let lengths: [UInt8]

    /// - Complexity: O(number of tokens).
    init(_ table: RankTable) {
        let count = table.count
        var lengths = [UInt8](repeating: Self.notShort, count: count)
        var entries = [SIMD16<UInt8>](repeating: .zero, count: count)
        table.withView { view in
            entries.withUnsafeMutableBytes { raw in
                for index in 0..<count {
                    let start = Int(view.offsets[index])
                    let length = view.length(at: index)
                    guard length > 0, length <= Self.shortLength else { continue }
                    (raw.baseAddress! + 16 * index).copyMemory(from: view.arena + start, byteCount: length)
                    lengths[index] = UInt8(length)
                }
            }
        }
        self.entries = entries
        self.lengths = lengths
    }

    /// A table whose entries were built earlier (read back from a cache; see `VocabularyTables`).
    init(entries: [SIMD16<UInt8>], lengths: [UInt8]) {
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
                                         tokens: tokens, count: UInt32(table.count), firstRank: firstRank))
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

        /// Adds the lengths of the mergeable tokens `ids[start...]` to `total`, up to the first
        /// other id (special, unknown, or a gap in the ranks), and returns that id's position (or `ids.count`).
        func addLengths(of ids: UnsafeBufferPointer<TokenID>, from start: Int, to total: inout Int) -> Int {
            // As in `writeShort`: a copy of the loop for ranks starting at 0.
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

        /// Writes the *short* tokens `ids[start...]` at `output + at`, up to the first other id (long,
        /// special, unknown or a gap); advances `at`, and returns that id's position (or `ids.count`).
        /// Each token takes one 16-byte store, so `output + at` needs room for `16 × ids.count` bytes
        /// and `blockSlack` more: the bound that lets a decode write in one pass, with no length pass.
        ///
        /// Sixteen ids a round: one vector test that all are in the mergeable range, sixteen copies
        /// with no test, then one test that their lengths add up to at most `blockBound` (every token
        /// short). A block that fails either test is rewritten one id at a time from its start, so the
        /// loop still stops exactly at the first other id.
        ///
        /// Every bundled vocabulary's ranks start at 0: that case gets its own copy of the loop, with
        /// no subtraction per id.
        @inline(__always)
        func writeShort(_ ids: UnsafeBufferPointer<TokenID>, from start: Int,
                        to output: UnsafeMutableRawPointer, at: inout Int) -> Int {
            firstRank == 0 ? writeShort(ids, from: start, to: output, at: &at, firstRank: 0)
                           : writeShort(ids, from: start, to: output, at: &at, firstRank: firstRank)
        }

        @inline(__always)
        private func writeShort(_ ids: UnsafeBufferPointer<TokenID>, from start: Int,
                                to output: UnsafeMutableRawPointer, at: inout Int, firstRank: TokenID) -> Int {
            // Locals, not `self`'s fields: the stores through `output` could alias the view in memory,
            // so the compiler reloaded every field on every round.
            let entries = entries, lengths = lengths, count = count
            var end = at
            var position = start
            while position &+ DecodingTable.blockSize <= ids.count,
                  Self.inRange(ids, position, firstRank: firstRank, count: count) {
                var next = end
                for k in 0..<DecodingTable.blockSize {
                    let index = Int(ids[position &+ k] &- firstRank)
                    // The length is read first, so that the entry's address can be the index shifted
                    // in place, with no copy of the index kept alive (one instruction less per id).
                    let length = Int(lengths[index])
                    output.storeBytes(of: entries[index], toByteOffset: next, as: SIMD16<UInt8>.self)
                    next &+= length
                }
                guard next &- end <= DecodingTable.blockBound else { break }
                end = next
                position &+= DecodingTable.blockSize
            }
            while position < ids.count, case let index = ids[position] &- firstRank, index < count {
                let length = lengths[Int(index)]
                if length == DecodingTable.notShort { break }
                output.storeBytes(of: entries[Int(index)], toByteOffset: end, as: SIMD16<UInt8>.self)
                end &+= Int(length)
                position &+= 1
            }
            at = end
            return position
        }

        /// `writeShort`, but each token, long ones included, copied at its exact length: nothing is
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
