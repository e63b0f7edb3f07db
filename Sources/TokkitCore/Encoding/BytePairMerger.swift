import CMerge
import CPrefetch

/// Turns one pre-split piece into token ids with tiktoken's rule.
///
/// The rule: look the whole piece up first (the vocabulary is the cache); otherwise start from single
/// bytes and repeatedly merge the adjacent pair whose concatenated bytes have the lowest rank, the
/// leftmost one on ties, until no adjacent pair is a token. Example with GPT-2's ranks:
/// `"hello"` is itself a token → `[31373]`; `"helloo"` is not, so `h e l l o o` merges
/// `ll`, `he`, `hell`… and ends as `["hello", "o"]`.
///
/// Where the time goes, and what is done about it (measured on real text, see `bench/RESULTS.md`):
/// - Most pieces are whole tokens: one hash of the piece, one probe. The hash is computed once and
///   reused for the piece cache. Probes are mostly cache misses, so `prepare` starts loading a
///   piece's slots well before the piece is encoded (`Tokenizer`'s scanner loops: 32 pieces ahead).
/// - Pieces that need merging repeat (Zipf), so their ids are kept in a bounded per-merger
///   `PieceCache`; a repeated word costs a probe, not a merge.
/// - Short pieces are merged in stack buffers by rescanning, as tiktoken does below 100 bytes, but
///   with one vectorised minimum per round and lookups that skip the general path: a dense table
///   for byte pairs, a masked load for keys up to eight bytes, and the rank table's filter for the
///   many joins that are no token. Up to 32 bytes, on a CPU with AVX2, the same rounds run with the
///   joins' order in registers (`mergeInRegisters`, in C).
/// - A piece to merge is first cut where no token can reach across (`PieceCutter`), and the stretches
///   between the cuts are merged one by one: a run of Japanese letters becomes characters and short
///   words, most of them one token, and the stretches that are no token repeat and are cached too. The ids of
///   short stretches are kept in a small table of their own (`StretchMemo`), which stays in the CPU's cache.
/// - Long pieces use a linked list and a min-heap, so a 1 MB run of one character costs
///   O(n log n), not O(n²).
///
/// The merger keeps its cache and scratch buffers between calls: reuse one per thread; nothing is
/// allocated per piece in the steady state. The cache is emptied when the merger meets another
/// vocabulary.
public struct BytePairMerger: Sendable {
    /// Pieces at least this long take the heap path. Same threshold as tiktoken 0.13+, and below
    /// the 128 bytes `mergeByRescanning` can index.
    public static let heapThreshold = 100

    /// Whether and how a merger cuts the pieces it merges (`PieceCutter`).
    package enum Cutting: Sendable {
        /// Where the vocabulary's cutter says: what every merger does.
        case always
        /// Never: for tests and benches that compare.
        case never
        /// With a cutter of the merger's own that leaves one of its sets empty: a planted flaw, for the tests that
        /// show it is caught.
        case omitting(PieceCutter.Keys)
    }

    @usableFromInline var cache = PieceCache()
    /// The `RankTable.serial` of the vocabulary the cache holds ids of.
    @usableFromInline var cacheSerial: UInt64 = 0
    private let cutting: Cutting
    /// `Cutting.omitting`'s cutter, built at the first merge (`nil` before, and for the other ways).
    private var plantedCutter: PieceCutter?
    /// Two bits per token index, `mergeCut`'s memo of `reaches`: 0 not yet asked, 1 no, 3 yes; allocated at the
    /// first question, so that a merger that merges nothing does not zero it.
    private var tokenReaches: [UInt64] = []
    /// `mergeCut`'s memo of short stretches (see `StretchMemo`), allocated at the first cut piece. Not private:
    /// `StretchMemoTests` plant a wrong entry in it to show that the comparisons see what it gives.
    var stretchMemo = StretchMemo()
    private var heap: [UInt64] = []
    private var nextStart: [Int32] = []
    private var previousStart: [Int32] = []
    private var pairRank: [TokenID] = []
    private var partIDs: [TokenID] = []

    public init() {
        self.init(cutting: .always)
    }

    /// A merger that cuts as `cutting` says, for tests and benches.
    package init(cutting: Cutting) {
        self.cutting = cutting
    }

    /// Appends the ids of `piece` to `output`.
    ///
    /// - Returns: `false` when some byte of the piece is not a token of the vocabulary (nothing is
    ///   appended then); a vocabulary that holds all 256 bytes never returns `false`.
    /// - Complexity: O(n²) worst case below `heapThreshold` bytes, O(n log n) above.
    @discardableResult
    package mutating func encode(_ piece: UnsafeBufferPointer<UInt8>, with vocabulary: Vocabulary,
                                into output: inout [TokenID]) -> Bool {
        vocabulary.withRankLookup { encode(piece, with: $0, into: &output) }
    }

    /// Appends the ids of `piece` to `output`, with the vocabulary's table already at hand: the
    /// form for loops over many pieces.
    /// - Returns: `false` when some byte of the piece is not a token (nothing is appended then).
    @discardableResult
    package mutating func encode(_ piece: UnsafeBufferPointer<UInt8>, with lookup: RankLookup,
                                into output: inout [TokenID]) -> Bool {
        encode(prepare(piece, with: lookup), with: lookup, into: &output)
    }

    /// A piece whose hash is computed and whose table slots are on their way into the CPU cache.
    @usableFromInline
    package struct PreparedPiece {
        @usableFromInline package let piece: UnsafeBufferPointer<UInt8>
        @usableFromInline let hash: UInt64
        /// The piece's `ByteHash.prefix`, which hashing read: the whole-token probe compares it with
        /// the slot's instead of reading the bytes a second time.
        @usableFromInline let prefix: UInt64

        /// Hashes `piece`.
        @inlinable @inline(__always)
        package init(hashing piece: UnsafeBufferPointer<UInt8>) {
            self.piece = piece
            guard let bytes = piece.baseAddress, !piece.isEmpty else {
                (hash, prefix) = (0, 0)
                return
            }
            prefix = ByteHash.prefix(bytes, count: piece.count)
            hash = piece.count <= 8 ? ByteHash.hash(prefix: prefix, count: piece.count) : ByteHash.hash(longKey: bytes, count: piece.count)
        }
    }

    /// Hashes `piece` and starts loading what `encode` will read first: the rank table's slot and
    /// the piece cache's slot.
    ///
    /// Why: on real text a piece's lookups are mostly cache misses (the rank table and the piece
    /// cache are megabytes, pieces arrive in no order); preparing pieces before encoding them lets
    /// those misses overlap useful work. `Tokenizer`'s scanner loops prepare 32 pieces ahead
    /// (`PieceQueue`), its ICU loop one.
    /// `mutating` only so that calling it on a merger held `inout` does not copy the merger.
    @inlinable @inline(__always)
    package mutating func prepare(_ piece: UnsafeBufferPointer<UInt8>, with lookup: RankLookup) -> PreparedPiece {
        useCache(of: lookup)
        let prepared = PreparedPiece(hashing: piece)
        startLoading(prepared, with: lookup)
        return prepared
    }

    /// `prepare` in its parts, for a loop over many pieces of one text: `useCache(of:)` once before
    /// the first, then `PreparedPiece(hashing:)` and `startLoading` for each.
    ///
    /// Why not `prepare` there: Swift's inliner honours `@inline(__always)` in a caller of 64 basic
    /// blocks or more (the scanner loops) only for a callee of at most 64, and `prepare` has more; as
    /// a call it cost about 25 instructions a piece (a third of its cost) in saved registers and
    /// reloaded fields. Each part alone is small enough (Swift 6.3.1).
    @inlinable @inline(__always)
    package mutating func useCache(of lookup: RankLookup) {
        if lookup.serial != cacheSerial { emptyCache(for: lookup.serial) }
    }

    /// Starts loading the rank table's slot and the piece cache's slot of a hashed piece. `mutating`
    /// for the reason `prepare` is: not so, it copied the merger and retained both of the cache's
    /// arrays for every piece.
    @inlinable @inline(__always)
    package mutating func startLoading(_ prepared: PreparedPiece, with lookup: RankLookup) {
        let count = prepared.piece.count
        guard count > 0 else { return }
        lookup.table.prefetch(hash: prepared.hash, count: count)
        if count > 1 && count <= PieceCache.maxPieceLength { cache.prefetch(hash: prepared.hash) }
    }

    /// Drops the ids cached for another vocabulary's table (see `cacheSerial`).
    @usableFromInline @inline(never)
    mutating func emptyCache(for serial: UInt64) {
        cache = PieceCache()
        cacheSerial = serial
        tokenReaches = []
        stretchMemo = StretchMemo()
        plantedCutter = nil
    }

    /// Appends the ids of a prepared piece to `output`: the form for a caller without a block of
    /// ids at hand (the ICU loop, one piece at a time).
    /// - Returns: `false` when some byte of the piece is not a token (nothing is appended then).
    package mutating func encode(_ prepared: PreparedPiece, with lookup: RankLookup, into output: inout [TokenID]) -> Bool {
        withUnsafeTemporaryAllocation(of: TokenID.self, capacity: max(1, prepared.piece.count)) { ids in
            guard let count = encode(prepared, with: lookup, to: ids.baseAddress!) else { return false }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: ids[..<count]))
            return true
        }
    }

    /// Writes the ids of a prepared piece at `ids`, which has room for one id per byte of the piece
    /// (every token is at least one byte).
    ///
    /// Why a pointer and not an array: `Array.append` on an `inout` array calls the runtime's
    /// uniqueness check for every id and reloads the loop's constants after that call; the scanner
    /// loops write their ids into a block of their own and append it whole (see
    /// `Tokenizer.encodeScanned`).
    ///
    /// `@inlinable`, with the whole-token probe in the body and the rest (piece cache, merging) out of
    /// line: nine pieces in ten are one token, and the probe is inlined into `Tokenizer`'s scanner
    /// loops, as are `prepare`'s parts (see `useCache(of:)`).
    /// - Returns: how many ids were written; `nil` when some byte of the piece is not a token.
    @inlinable @inline(__always)
    package mutating func encode(_ prepared: PreparedPiece, with lookup: RankLookup, to ids: UnsafeMutablePointer<TokenID>) -> Int? {
        guard let bytes = prepared.piece.baseAddress, !prepared.piece.isEmpty else { return 0 }
        let index = lookup.wholePieceIndex(bytes, prepared.piece.count, hash: prepared.hash, prefix: prepared.prefix)
        if index >= 0 {
            ids.pointee = lookup.firstRank &+ TokenID(truncatingIfNeeded: index)
            return 1
        }
        return encodeByMerging(prepared, with: lookup, to: ids)
    }

    /// `encode` of a non-empty piece that is not one token: from the piece cache, else by merging.
    ///
    /// Only the cache's probe is here, and merging is a call of its own: most pieces that reach this
    /// point are in the cache, and with the merge inlined every call paid for the merge's stack
    /// buffers (a stack guard, every callee-saved register) and a vectorised copy's set-up.
    @usableFromInline
    mutating func encodeByMerging(_ prepared: PreparedPiece, with lookup: RankLookup, to ids: UnsafeMutablePointer<TokenID>) -> Int? {
        guard let bytes = prepared.piece.baseAddress else { return 0 }
        let n = prepared.piece.count
        var emptySlot = 0
        if n <= PieceCache.maxPieceLength {
            let cached = cache.copyIDs(of: bytes, count: n, hash: prepared.hash, to: ids, emptySlot: &emptySlot)
            if cached > 0 { return cached }
        }
        return mergeAndCache(bytes, n, hash: prepared.hash, emptySlot: emptySlot, lookup, ids)
    }

    /// Merges a piece the cache does not hold and caches its ids, unless it was cut; `emptySlot` is where the
    /// cache's probe for it ended.
    ///
    /// Why a cut piece is not kept whole: its stretches are (`StretchMemo`, the piece cache), so cutting it again
    /// when it comes back costs a few loads that stay in the CPU's cache, while keeping it took a record and the
    /// cache's room from the pieces that are merged whole. Runs of CJK letters are such pieces, and half of
    /// public_multi's are met only once. `TokkitBench encode`, cold, one thread, against keeping them (bench/RESULTS.md,
    /// "Session 44"): multi o200k 1.039 (best, second and median of 8), en o200k 1.037 / 1.025 / 1.026, multi
    /// cl100k 1.006 / 1.005 / 0.981, en cl100k 1.002 / 1.012 / 1.019.
    @inline(never)
    private mutating func mergeAndCache(_ bytes: UnsafePointer<UInt8>, _ n: Int, hash: UInt64, emptySlot: Int,
                                        _ lookup: RankLookup, _ ids: UnsafeMutablePointer<TokenID>) -> Int? {
        let merged: Int?
        if case .never = cutting {
            merged = merge(bytes, n, lookup, ids)
        } else {
            var cut = false
            merged = mergeCut(bytes, n, lookup, ids, cut: &cut)
            if cut { return merged }
        }
        guard let merged else { return nil }
        if n <= PieceCache.maxPieceLength {
            cache.insert(bytes, count: n, hash: hash, ids: UnsafeBufferPointer(start: ids, count: merged), emptySlot: emptySlot)
        }
        return merged
    }

    /// tiktoken's merge of the `n` bytes at `bytes` (n ≥ 2), by the path their length takes.
    private mutating func merge(_ bytes: UnsafePointer<UInt8>, _ n: Int, _ lookup: RankLookup, _ output: UnsafeMutablePointer<TokenID>) -> Int? {
        guard n < Self.heapThreshold && lookup.hasPairMerges else { return mergeWithHeap(bytes, n, lookup, output) }
        if n <= Self.shortMergeLimit && Self.shortMergesInRegisters { return Self.mergeInRegisters(bytes, n, lookup, output) }
        return Self.mergeByRescanning(bytes, n, lookup, output)
    }

    /// Whether `merge` gives pieces of up to `shortMergeLimit` bytes to `mergeInRegisters`: this CPU has AVX2.
    package static let shortMergesInRegisters = tk_merge_accelerated() != 0
    /// The longest piece `mergeInRegisters` takes (32 bytes, `TK_MERGE_SHORT_MAX`).
    package static let shortMergeLimit = Int(TK_MERGE_SHORT_MAX)

    /// `mergeByRescanning` of a piece of 2 to `shortMergeLimit` bytes with the joins' order in AVX2 registers
    /// (`tk_merge_short`, which says why in C); only where `shortMergesInRegisters`.
    ///
    /// The same rounds, the same lookups and the same loads sent for a round ahead; what changes is each round's
    /// cost in the CPU: the minimum over the order is one instruction per eight lanes instead of Swift's emulation
    /// for baseline x86-64, and the order is never stored and read back. `TokkitBench encode`, cold, one thread,
    /// whole corpora, 6 rounds against Swift's `mergeByRescanning` for every length (best / second / median):
    /// multi o200k 1.061 / 1.064 / 1.054, multi cl100k 1.009 / 1.025 / 1.018, en cl100k 1.032 / 1.032 / 1.035.
    /// Pieces of up to 16 bytes only (two registers): multi o200k 1.036 / 1.035 / 1.008. Held against
    /// `mergeByRescanning` and tiktoken's rule by `ShortMergeTests`.
    private static func mergeInRegisters(_ bytes: UnsafePointer<UInt8>, _ n: Int, _ lookup: RankLookup,
                                         _ output: UnsafeMutablePointer<TokenID>) -> Int? {
        let count = tk_merge_short(bytes, Int32(truncatingIfNeeded: n), lookup.singleByteRank, lookup.bytePairRank, lookup.pairSlots,
                                   lookup.pairMask, lookup.pairFilter, lookup.pairFilterMask, output)
        return count < 0 ? nil : Int(count)
    }

    /// The two ways a short piece can be merged, for the tests that hold them against each other.
    package enum ShortMerge: Sendable { case inRegisters, byRescanning }

    /// The ids of a piece of 2 to `shortMergeLimit` bytes merged the way `path` says (`.inRegisters` only where
    /// `shortMergesInRegisters`), or `nil` when some byte is no token; the lookup must have a pair table.
    package static func mergeShort(_ piece: UnsafeBufferPointer<UInt8>, with lookup: RankLookup, _ path: ShortMerge) -> [TokenID]? {
        precondition(piece.count >= 2 && piece.count <= shortMergeLimit && lookup.hasPairMerges)
        precondition(path == .byRescanning || shortMergesInRegisters)
        var ids = [TokenID](repeating: 0, count: piece.count)
        let count = ids.withUnsafeMutableBufferPointer { ids in
            path == .inRegisters ? mergeInRegisters(piece.baseAddress!, piece.count, lookup, ids.baseAddress!)
                : mergeByRescanning(piece.baseAddress!, piece.count, lookup, ids.baseAddress!)
        }
        return count.map { Array(ids.prefix($0)) }
    }

    /// `merge`, of the stretches between the piece's cuts one by one (`PieceCutter`, which says why the ids are the
    /// same).
    ///
    /// A stretch that is a token is that token only if merging its bytes gives it: tiktoken takes a whole piece that
    /// is a token as it is, but a stretch is no piece, and a vocabulary may hold tokens that its merges never make
    /// (then their bytes are merged, as the whole piece's would be). `reaches` asks that once per token.
    /// - Parameter cut: set when the piece was cut at least once.
    /// - Returns: as `merge`: how many ids were written at `output`; `nil` when some byte is no token.
    private mutating func mergeCut(_ bytes: UnsafePointer<UInt8>, _ n: Int, _ lookup: RankLookup, _ output: UnsafeMutablePointer<TokenID>,
                                   cut: inout Bool) -> Int? {
        if case .omitting(let keys) = cutting {
            let planted = plantedCutter ?? PieceCutter(lookup, omitting: keys)
            plantedCutter = planted
            return planted.withCuts(lookup) { mergeCut(bytes, n, lookup, output, cuts: $0, cut: &cut) }
        }
        return mergeCut(bytes, n, lookup, output, cuts: lookup.cuts, cut: &cut)
    }

    /// `mergeCut` with the cuts at hand.
    @inline(__always)
    private mutating func mergeCut(_ bytes: UnsafePointer<UInt8>, _ n: Int, _ lookup: RankLookup, _ output: UnsafeMutablePointer<TokenID>,
                                   cuts: PieceCutter.Cuts, cut: inout Bool) -> Int? {
        var end = cuts.next(after: 0, in: bytes, count: n)
        if end == n { return merge(bytes, n, lookup, output) }
        cut = true
        var start = 0, count = 0
        while true {
            let stretch = bytes + start, length = end - start
            let memoized = length >= StretchMemo.shortest && length <= StretchMemo.longest
            let key = memoized ? ByteHash.prefix(stretch, count: length) : 0
            if length == 1 {
                let id = lookup.singleByteRank[Int(stretch[0])]
                if id == .max { return nil }
                output[count] = id
                count += 1
            } else if memoized, let found = stretchMemo.copyIDs(key: key, length: length, to: output + count) {
                count += found
            } else {
                let first = count
                // One hash for the rank table and the piece cache (from the memo's key when there is one: the same value).
                let hash = length == 2 ? 0 : memoized ? ByteHash.hash(prefix: key, count: length) : ByteHash.hash(stretch, count: length)
                let rank = length == 2 ? lookup.bytePairRank[Int(stretch[0]) << 8 | Int(stretch[1])] : lookup.rank(stretch, length, hash: hash)
                if rank != .max && reaches(Int(rank &- lookup.firstRank), lookup) {
                    output[count] = rank
                    count += 1
                } else if rank == .max && length <= PieceCache.maxPieceLength {
                    // Not a token: encoding it as a piece merges it too, so the piece cache may hold it.
                    let hash = length == 2 ? ByteHash.hash(stretch, count: length) : hash
                    var emptySlot = 0
                    let cached = cache.copyIDs(of: stretch, count: length, hash: hash, to: output + count, emptySlot: &emptySlot)
                    if cached > 0 {
                        count += cached
                    } else {
                        guard let merged = merge(stretch, length, lookup, output + count) else { return nil }
                        cache.insert(stretch, count: length, hash: hash, ids: UnsafeBufferPointer(start: output + count, count: merged),
                                     emptySlot: emptySlot)
                        count += merged
                    }
                } else {
                    guard let merged = merge(stretch, length, lookup, output + count) else { return nil }
                    count += merged
                }
                if memoized { stretchMemo.insert(key: key, length: length, ids: output + first, count: count - first) }
            }
            if end == n { return count }
            start = end
            end = cuts.next(after: start, in: bytes, count: n)
        }
    }

    /// Whether merging the bytes of the token at `index` (two bytes or more) gives the token back.
    @inline(__always)
    private mutating func reaches(_ index: Int, _ lookup: RankLookup) -> Bool {
        let known = tokenReaches.withUnsafeBufferPointer { $0.isEmpty ? 0 : $0[index &>> 5] &>> (UInt64(index & 31) &<< 1) & 3 }
        return known != 0 ? known == 3 : learnReaches(index, lookup)
    }

    /// `reaches` the first time it is asked about a token: merges the token's bytes.
    @inline(never)
    private mutating func learnReaches(_ index: Int, _ lookup: RankLookup) -> Bool {
        if tokenReaches.isEmpty { tokenReaches = [UInt64](repeating: 0, count: (lookup.rankLimit - Int(lookup.firstRank) + 31) / 32) }
        let word = index >> 5, shift = UInt64(index & 31) << 1
        let start = Int(lookup.table.offsets[index]), length = Int(lookup.table.offsets[index + 1]) - start
        let reached = withUnsafeTemporaryAllocation(of: TokenID.self, capacity: length) { ids in
            merge(lookup.table.arena + start, length, lookup, ids.baseAddress!) == 1 && ids[0] == lookup.firstRank + TokenID(index)
        }
        tokenReaches[word] |= (reached ? 3 : 1) << shift
        return reached
    }

    /// tiktoken's `_byte_pair_merge` in stack buffers, for the short pieces real text is made of (up to 32 bytes on a
    /// CPU with AVX2, `mergeInRegisters` does the same in C).
    ///
    /// Parts are a linked list by start offset (`next`, `previous`), and `ids[s]` is the id of the
    /// part starting at `s`. `order[s]` ranks joining part `s` with the part after it as
    /// `rank << 7 | s` (`Int32.max` when the join is no token, or `s` no longer starts a part), so
    /// the plain minimum over all slots is the lowest rank and, on ties, the leftmost pair: one
    /// vectorised pass per round, no second scan for the position, and no array shifting as in
    /// tiktoken. Hence the limits: fewer than 128 bytes and ranks below 2^24 (signed, because SSE2
    /// has no unsigned 32-bit minimum and emulating one costs a third more; the pair table's 2^21 is
    /// lower still). Merging part `i` with the next changes only the order of `i` and of the part
    /// before it.
    ///
    /// Lookups never hash bytes: the first round's byte pairs come from the dense pair table, and
    /// every later join is of two tokens, looked up by their ids in the `PairMergeTable`.
    ///
    /// Those lookups are misses (the table is megabytes) and each round waits for the last, so every
    /// join a round might ask about next is sent for a round ahead (`RankLookup.startMerging`): after
    /// the byte pairs, the joins of each pair's token with its neighbours; after each round, those of
    /// the two pairs it ranked. Most are never asked (only the lowest pair merges), but they are sent
    /// together, and the one asked is then in cache. A profile put 45% of this function's samples on the
    /// filter and slot loads. `TokkitBench encode`, cold, 10 MB, paired A/B: en cl100k 1.025, en o200k
    /// 1.059, en gpt2 1.048, multi cl100k 1.017, multi o200k 1.058; warm (no merging) 1.001. Sending for
    /// the slot alone ran at 0.975 (en cl100k) and 0.986 (multi o200k) of sending for it and the filter word.
    ///
    /// A round is a chain, each step waiting for the one before: the lowest order, the parts it joins, their ids,
    /// the two lookups, the new orders, and the next round's minimum over them. Merges stay slow even with every
    /// table in cache (public_en's distinct pieces that are no token, cl100k_base, each merged again at once: 380
    /// ns of 480 cold), so the chain, not the misses, sets the pace. Hence the next minimum is taken in two parts:
    /// over the joins the merge leaves as they were (their vector pass runs while the two changed joins are
    /// looked up), then with those two. Pieces of 8, 12, 24 bytes, tables warm: 232 → 200, 363 → 302, 647 → 506
    /// ns; `TokkitBench encode`, cold, A/B: en cl100k 1.023, multi o200k 1.034, multi cl100k 1.014.
    /// - Returns: how many ids were written at `output`; `nil`, with nothing written, when some byte
    ///   is not a token. Found while the parts are set up rather than by a pass of its own before
    ///   merging (0.2–0.4% fewer instructions).
    private static func mergeByRescanning(_ bytes: UnsafePointer<UInt8>, _ n: Int, _ lookup: RankLookup,
                                          _ output: UnsafeMutablePointer<TokenID>) -> Int? {
        // `order` is padded with `Int32.max` to whole vectors of eight.
        let vectors = (n + 7) / 8
        return withUnsafeTemporaryAllocation(byteCount: 4 * (8 * vectors + 3 * n + 2), alignment: 16) { scratch in
            let order = scratch.baseAddress!.bindMemory(to: Int32.self, capacity: 8 * vectors)
            let next = (scratch.baseAddress! + 32 * vectors).bindMemory(to: UInt32.self, capacity: 3 * n + 2)
            let previous = next + (n + 1)
            let ids = previous + (n + 1)
            let orderVectors = UnsafeRawPointer(order)
            @inline(__always) func setOrder(_ s: Int, _ rank: TokenID) {
                order[s] = rank == .max ? Int32.max : Int32(truncatingIfNeeded: rank &<< 7) | Int32(truncatingIfNeeded: s)
            }
            var unknownByte = false
            for s in 0..<n {
                next[s] = UInt32(s + 1)
                previous[s] = UInt32(truncatingIfNeeded: s - 1)
                ids[s] = lookup.singleByteRank[Int(bytes[s])]
                unknownByte = unknownByte || ids[s] == .max
            }
            if unknownByte { return nil }
            for s in 0..<(n - 1) { setOrder(s, lookup.bytePairRank[Int(bytes[s]) << 8 | Int(bytes[s + 1])]) }
            (order + (n - 1)).initialize(repeating: .max, count: 8 * vectors - (n - 1))
            // The joins of each byte pair's token with its neighbours, sent for before the first round.
            for s in 0..<(n - 1) where order[s] != .max {
                let m = TokenID(truncatingIfNeeded: order[s] &>> 7)
                if s > 0 { lookup.startMerging(ids[s &- 1], m) }
                if s &+ 2 < n { lookup.startMerging(m, ids[s &+ 2]) }
            }
            @inline(__always) func lowestOrder() -> Int32 {
                var lowest = SIMD8<Int32>(repeating: .max)
                for v in 0..<vectors {
                    lowest = pointwiseMin(lowest, orderVectors.loadUnaligned(fromByteOffset: v &* 32, as: SIMD8<Int32>.self))
                }
                return lowest.min()
            }
            var first = UInt32(truncatingIfNeeded: lowestOrder())
            while first != UInt32(Int32.max) {
                let i = Int(first & 127)
                let j = Int(next[i])
                let k = Int(next[j])
                let merged = first &>> 7
                ids[i] = merged
                next[i] = UInt32(k)
                let p = Int(previous[i])
                // The next round's minimum over the joins this merge leaves as they were, taken while the two it
                // changes are looked up: it does not wait for them.
                order[j] = .max
                order[i] = .max
                if i > 0 { order[p] = .max }
                let unchanged = lowestOrder()
                var changed = Int32.max
                if k < n {
                    previous[k] = UInt32(i)
                    let rank = lookup.merged(merged, ids[k])
                    setOrder(i, rank)
                    changed = order[i]
                    if rank != .max {
                        if i > 0 { lookup.startMerging(ids[p], rank) }
                        let after = Int(next[k])
                        if after < n { lookup.startMerging(rank, ids[after]) }
                    }
                }
                if i > 0 {
                    let rank = lookup.merged(ids[p], merged)
                    setOrder(p, rank)
                    changed = Swift.min(changed, order[p])
                    if rank != .max {
                        if p > 0 { lookup.startMerging(ids[Int(previous[p])], rank) }
                        if k < n { lookup.startMerging(rank, ids[k]) }
                    }
                }
                first = UInt32(truncatingIfNeeded: Swift.min(unchanged, changed))
            }
            var s = 0
            var count = 0
            while s < n {
                output[count] = ids[s]
                count &+= 1
                s = Int(next[s])
            }
            return count
        }
    }

    /// The same merges in O(n log n): parts form a linked list by start offset, and a min-heap holds
    /// `(rank << 32 | start)` for every candidate pair. An entry is stale when the pair starting there
    /// has changed since it was pushed; ranks name unique byte strings, so comparing the rank is enough.
    /// Joins are looked up by the parts' ids (`PairMergeTable`) when the vocabulary has the table, so
    /// a run that merges into long tokens is not hashed again byte by byte at every step.
    /// - Returns: how many ids were written at `output`; `nil`, with nothing written, when some byte
    ///   is not a token.
    private mutating func mergeWithHeap(_ bytes: UnsafePointer<UInt8>, _ n: Int, _ lookup: RankLookup,
                                        _ output: UnsafeMutablePointer<TokenID>) -> Int? {
        let byIDs = lookup.hasPairMerges
        partIDs = (0..<n).map { lookup.singleByteRank[Int(bytes[$0])] }
        if partIDs.contains(.max) { return nil }
        nextStart = (0..<n).map { Int32($0 + 1) }
        previousStart = (0..<n).map { Int32($0 - 1) }
        pairRank = [TokenID](repeating: .max, count: n)
        heap.removeAll(keepingCapacity: true)
        for i in 0..<(n - 1) {
            let pair = lookup.rank(bytes + i, 2)
            pairRank[i] = pair
            if pair != .max { heap.append(UInt64(pair) << 32 | UInt64(i)) }
        }
        MinHeap.heapify(&heap)

        while let top = MinHeap.pop(&heap) {
            let merged = TokenID(top >> 32)
            let i = Int(top & 0xFFFF_FFFF)
            guard pairRank[i] == merged else { continue }
            let j = Int(nextStart[i])
            let k = Int(nextStart[j])
            nextStart[i] = Int32(k)
            partIDs[i] = merged
            pairRank[j] = .max
            if k < n { previousStart[k] = Int32(i) }
            if k < n {
                pairRank[i] = byIDs ? lookup.merged(merged, partIDs[k]) : lookup.rank(bytes + i, Int(nextStart[k]) - i)
            } else {
                pairRank[i] = .max
            }
            if pairRank[i] != .max { MinHeap.push(&heap, UInt64(pairRank[i]) << 32 | UInt64(i)) }
            let p = Int(previousStart[i])
            if p >= 0 {
                pairRank[p] = byIDs ? lookup.merged(partIDs[p], merged) : lookup.rank(bytes + p, k - p)
                if pairRank[p] != .max { MinHeap.push(&heap, UInt64(pairRank[p]) << 32 | UInt64(p)) }
            }
        }
        var start = 0
        var count = 0
        while start < n {
            output[count] = partIDs[start]
            count += 1
            start = Int(nextStart[start])
        }
        return count
    }
}

/// The long-piece merger's min-heap of packed `rank << 32 | start` keys, in a plain array that the
/// merger keeps between calls; sifting is `BinaryHeap`'s.
enum MinHeap: HeapOrder {
    @inline(__always)
    static func precedes(_ lhs: UInt64, _ rhs: UInt64) -> Bool { lhs < rhs }

    static func heapify(_ heap: inout [UInt64]) {
        heap.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            BinaryHeap<MinHeap>.heapify(base, count: buffer.count)
        }
    }

    static func push(_ heap: inout [UInt64], _ value: UInt64) {
        heap.append(value)
        heap.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            BinaryHeap<MinHeap>.siftUp(base, from: buffer.count - 1)
        }
    }

    static func pop(_ heap: inout [UInt64]) -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        heap.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            BinaryHeap<MinHeap>.siftDown(base, count: buffer.count, from: 0)
        }
        return top
    }
}
