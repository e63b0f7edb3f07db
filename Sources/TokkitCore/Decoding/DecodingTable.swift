/// Every mergeable token padded to 16 bytes, so that decoding copies a token with one 16-byte load
/// and one store instead of looking up its range in `RankTable.offsets` and copying from the arena.
///
/// Entry `i` holds token `i`'s bytes, zero-padded, when the token is *short* (at most 16 bytes:
/// almost every token in running text); `lengths[i]` is then its length, else 0 and the decoder
/// copies the token from the arena. The lengths are a separate array, one byte per token, so that
/// summing the output length reads a table small enough to stay in cache (50 KB for gpt2), and so
/// that the decoder's next write position never waits for a load from the entry it just stored.
///
/// Memory: 17 bytes per token (3.4 MB for o200k's 200k tokens); built in one pass over the arena,
/// about 1 ms for cl100k (1-3% of loading the vocabulary).
///
/// Performance notes (gpt2 on 46 MB of multilingual text, 25M ids, 1.8 bytes per id): both passes
/// of `Vocabulary.decodeBytes` run near this machine's memory bandwidth, as each reads the 100 MB of
/// ids. Tried and dropped: the length in each entry's last byte (the compiler read it back from the
/// output just stored, which chains every token's position to the previous store: 2x slower);
/// loops unrolled by four (no gain in the first pass, slower in the second); the first pass
/// walking backwards, so the second would find its first ids in cache (slower).
struct DecodingTable: Sendable {
    /// The longest token an entry holds whole.
    static let shortLength = 16

    let entries: [SIMD16<UInt8>]
    /// Token `i`'s length when short, else 0.
    let lengths: [UInt8]

    /// - Complexity: O(number of tokens).
    init(_ table: RankTable) {
        let count = table.count
        var lengths = [UInt8](repeating: 0, count: count)
        var entries = [SIMD16<UInt8>](repeating: .zero, count: count)
        table.withView { view in
            entries.withUnsafeMutableBytes { raw in
                for index in 0..<count {
                    let start = Int(view.offsets[index])
                    let length = view.length(at: index)
                    guard length <= Self.shortLength else { continue }
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

        /// Adds the lengths of the mergeable tokens `ids[start...]` to `total`, up to the first
        /// other id (special, unknown, or a gap in the ranks), and returns that id's position (or `ids.count`).
        func addLengths(of ids: UnsafeBufferPointer<TokenID>, from start: Int, to total: inout Int) -> Int {
            var sum = total
            var position = start
            while position < ids.count, let index = index(of: ids[position]) {
                var length = Int(lengths[index])
                if length == 0 {
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

        /// Writes the mergeable tokens `ids[start...]` at `output + at`, up to the first other id;
        /// advances `at`, and returns that id's position (or `ids.count`). Writes up to 16 bytes
        /// past the last token's end.
        func write(_ ids: UnsafeBufferPointer<TokenID>, from start: Int,
                   to output: UnsafeMutableRawPointer, at: inout Int) -> Int {
            var end = at
            var position = start
            while position < ids.count, let index = index(of: ids[position]) {
                output.storeBytes(of: entries[index], toByteOffset: end, as: SIMD16<UInt8>.self)
                let length = Int(lengths[index])
                if length != 0 {
                    end &+= length
                } else {
                    let long = tokens.length(at: index)
                    if long == 0 { break }
                    (output + end).copyMemory(from: tokens.arena + Int(tokens.offsets[index]), byteCount: long)
                    end &+= long
                }
                position &+= 1
            }
            at = end
            return position
        }

        /// Writes the *short* tokens `ids[start...]` at `output + at`, up to the first other id (long,
        /// special, unknown or a gap); advances `at`, and returns that id's position (or `ids.count`).
        /// Each token takes one 16-byte store, so `output + at` needs room for `16 × ids.count` bytes:
        /// the bound that lets a decode write in one pass, with no length pass before it.
        ///
        /// Four ids a round: one test that all four are short mergeable tokens (the largest index below
        /// `count`, the smallest length above 0), then four copies; the round that fails the test, and
        /// the last ids, go one at a time, so the loop still stops exactly at the first other id.
        @inline(__always)
        func writeShort(_ ids: UnsafeBufferPointer<TokenID>, from start: Int,
                        to output: UnsafeMutableRawPointer, at: inout Int) -> Int {
            // Locals, not `self`'s fields: the stores through `output` could alias the view in memory,
            // so the compiler reloaded every field on every round.
            let entries = entries, lengths = lengths, count = count, firstRank = firstRank
            var end = at
            var position = start
            while position &+ 4 <= ids.count {
                let i0 = ids[position] &- firstRank, i1 = ids[position &+ 1] &- firstRank
                let i2 = ids[position &+ 2] &- firstRank, i3 = ids[position &+ 3] &- firstRank
                guard max(max(i0, i1), max(i2, i3)) < count else { break }
                let l0 = lengths[Int(i0)], l1 = lengths[Int(i1)], l2 = lengths[Int(i2)], l3 = lengths[Int(i3)]
                guard min(min(l0, l1), min(l2, l3)) != 0 else { break }
                output.storeBytes(of: entries[Int(i0)], toByteOffset: end, as: SIMD16<UInt8>.self)
                end &+= Int(l0)
                output.storeBytes(of: entries[Int(i1)], toByteOffset: end, as: SIMD16<UInt8>.self)
                end &+= Int(l1)
                output.storeBytes(of: entries[Int(i2)], toByteOffset: end, as: SIMD16<UInt8>.self)
                end &+= Int(l2)
                output.storeBytes(of: entries[Int(i3)], toByteOffset: end, as: SIMD16<UInt8>.self)
                end &+= Int(l3)
                position &+= 4
            }
            while position < ids.count, case let index = ids[position] &- firstRank, index < count {
                let length = Int(lengths[Int(index)])
                if length == 0 { break }
                output.storeBytes(of: entries[Int(index)], toByteOffset: end, as: SIMD16<UInt8>.self)
                end &+= length
                position &+= 1
            }
            at = end
            return position
        }

        /// `write`, but each token copied at its exact length: nothing is written past the last
        /// token's end. For the end of a part that another thread writes right after.
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
