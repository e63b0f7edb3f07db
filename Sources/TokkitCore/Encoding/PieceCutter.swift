/// Finds the places in a piece where no token of the vocabulary can reach across, so that the merger merges the
/// stretches between them one by one: short merges, most of them a single token.
///
/// Why it is exact: tiktoken's rule only ever joins two parts whose bytes together are a token, and it starts from
/// single bytes, so every part is a token lying at its place in the piece. If no token occurs in the piece across the
/// boundary before byte `b`, no part ever spans `b`, no pair across it can merge, and each side's pairs merge in the
/// order they would alone: the lowest rank of all pairs is the lowest of its side, and on a tie the leftmost pair is
/// the leftmost of its side. So the piece's ids are the ids of its two sides, each merged alone, one after the other.
///
/// What "no token reaches across `b`" takes: a token lying at `[s, e)` with `s < b < e` holds bytes `b - 1` and `b`,
/// and is one of four kinds: the two bytes `[b - 1, b + 1)` are a token; a token ends with the three bytes
/// `[b - 2, b + 1)`; one starts with `[b - 1, b + 2)`; one holds the four bytes `[b - 2, b + 2)`. The first is the
/// vocabulary's byte-pair table; the others are bit sets of every token's first three, last three and every four
/// bytes, hashed, so a collision only says "maybe" and leaves the piece uncut. Only a boundary before the first byte
/// of a UTF-8 character is tried: inside one, the character's bytes are nearly always a token.
///
/// Where it pays: the pieces that are no token and not yet in the piece cache are merged from bytes, pair by pair,
/// round after round; that was 29% of a cold encode of all of public_en and 44% of public_multi's last 21 MB (Japanese,
/// Chinese, Russian pages, whose pieces are letter runs of 16–63 bytes). Cut, a run becomes characters and short
/// words, most of them one token. On every distinct piece of the whole corpora that is no token (`TokkitBench cut`,
/// ids checked equal first): merged whole ÷ cut 1.29× (public_en) and 1.72× (public_multi) with cl100k_base, 1.25× and
/// 1.46× with o200k_base, 1.07× and 1.49× with gpt2, 1.02× and 1.24× with qwen2. A cold `TokkitBench encode` of the
/// whole corpus, against the merger without the cutter (median of 6 paired runs, CPU time): public_multi 1.41×
/// (cl100k_base), 1.32× (o200k_base), 1.16× (gpt2); public_en 1.10×, 1.10×, 1.02× (bench/RESULTS.md, "Session 35").
/// English words are rarely cut: nearly every pair of letters is a token.
///
/// The bit sets take 768 KB and 2.5 ms (cl100k_base) to 6 ms (o200k_base) to build, more than a short text spends
/// merging, so they are one of the vocabulary's tables (`Vocabulary.cutter`), built with it and kept in the rank-table
/// cache with the others: every merger cuts from its first merge, and no process or worker builds them again. (Session
/// 35 had each merger build its own after 4,096 merges: 2.5–6 ms per worker and run. Sharing one built on demand
/// through a class with a lock in `Vocabulary` made the statically linked release binary crash in the Swift runtime's
/// metadata instantiation, Swift 6.3.1; a plain table, as the pair-merge table is, does not need one.)
package struct PieceCutter: Sendable {
    /// The three kinds of key the sets hold.
    package enum Keys: Sendable, CaseIterable { case windows, heads, tails }

    /// Bits per set, as a power of two (2^21 bits = 256 KB). On public_multi's last 21 MB with cl100k_base, 2^20 made 3%
    /// fewer cuts; 2^22 and 2^23 made 1–2% more and were no faster.
    static let setBits = 21
    private static let setWords = 1 << (setBits - 6)

    /// Three bit sets back to back: the four-byte windows, the first three bytes, the last three bytes of every token.
    let bits: TableBuffer<UInt64>

    /// The sets as the rank-table cache gave them back; `nil` when they are not three sets of `setBits` bits.
    init?(bits: TableBuffer<UInt64>) {
        guard bits.count == 3 * Self.setWords else { return nil }
        self.bits = bits
    }

    /// The sets of `table`'s tokens; `omitting` leaves one set empty, a planted flaw for tests.
    init(_ table: RankTable, omitting: Keys? = nil) {
        self = table.withView { Self(view: $0, count: table.count, omitting: omitting) }
    }

    /// The sets of the `lookup`'s tokens, for tests that plant a flaw (`omitting`).
    package init(_ lookup: RankLookup, omitting: Keys? = nil) {
        self.init(view: lookup.table, count: lookup.rankLimit - Int(lookup.firstRank), omitting: omitting)
    }

    private init(view: RankTable.View, count: Int, omitting: Keys?) {
        var bits = [UInt64](repeating: 0, count: 3 * Self.setWords)
        bits.withUnsafeMutableBufferPointer { bits in
            let sets = bits.baseAddress!
            for index in 0..<count {
                let start = Int(view.offsets[index])
                let count = Int(view.offsets[index + 1]) - start
                guard count >= 3 else { continue }
                let token = view.arena + start
                if omitting != .heads { Self.insert(Self.key3(token), into: sets + Self.setWords) }
                if omitting != .tails { Self.insert(Self.key3(token + count - 3), into: sets + 2 * Self.setWords) }
                var at = 0
                while omitting != .windows && at + 4 <= count {
                    Self.insert(Self.key4(token + at), into: sets)
                    at += 1
                }
            }
        }
        self.bits = TableBuffer(bits)
    }

    @inline(__always)
    private static func key3(_ bytes: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(bytes[0]) << 16 | UInt64(bytes[1]) << 8 | UInt64(bytes[2])
    }

    @inline(__always)
    private static func key4(_ bytes: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(bytes[0]) << 24 | UInt64(bytes[1]) << 16 | UInt64(bytes[2]) << 8 | UInt64(bytes[3])
    }

    @inline(__always)
    private static func bit(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - setBits))
    }

    private static func insert(_ key: UInt64, into set: UnsafeMutablePointer<UInt64>) {
        let bit = bit(key)
        set[bit >> 6] |= 1 << UInt64(bit & 63)
    }

    @inline(__always)
    private static func contains(_ key: UInt64, _ set: UnsafePointer<UInt64>) -> Bool {
        let bit = bit(key)
        return set[bit &>> 6] &>> UInt64(bit & 63) & 1 != 0
    }

    /// Runs `body` with these sets at hand, as a `Cuts` for one piece after another (the vocabulary's own sets are in
    /// `RankLookup.cuts`).
    @inline(__always)
    package func withCuts<R>(_ lookup: RankLookup, _ body: (Cuts) -> R) -> R {
        bits.withUnsafeBufferPointer { body(Cuts(sets: $0.baseAddress!, bytePairRank: lookup.bytePairRank)) }
    }

    /// The sets as pointers.
    package struct Cuts {
        let sets: UnsafePointer<UInt64>
        let bytePairRank: UnsafePointer<TokenID>

        @inline(__always)
        init(sets: UnsafePointer<UInt64>, bytePairRank: UnsafePointer<TokenID>) {
            self.sets = sets
            self.bytePairRank = bytePairRank
        }

        /// The first boundary after `position` in the `n` bytes at `bytes` that no token reaches across, or `n`.
        @inline(__always)
        package func next(after position: Int, in bytes: UnsafePointer<UInt8>, count n: Int) -> Int {
            var b = position &+ 1
            while b < n {
                defer { b &+= 1 }
                if bytes[b] & 0xC0 == 0x80 { continue }
                if bytePairRank[Int(bytes[b &- 1]) &<< 8 | Int(bytes[b])] != .max { continue }
                if b >= 2 && PieceCutter.contains(PieceCutter.key3(bytes + (b &- 2)), sets + 2 &* PieceCutter.setWords) { continue }
                if b &+ 2 <= n {
                    if PieceCutter.contains(PieceCutter.key3(bytes + (b &- 1)), sets + PieceCutter.setWords) { continue }
                    if b >= 2 && PieceCutter.contains(PieceCutter.key4(bytes + (b &- 2)), sets) { continue }
                }
                return b
            }
            return n
        }
    }
}
