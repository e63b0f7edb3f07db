import CPrefetch

/// The state of one training run: unique words as symbol arrays, pair counts, the pair → word
/// occurrence index, the lazy heap, and per-merge scratch tables. Built by ``BPETrainer``.
///
/// Memory layout (n = bytes in distinct pieces, P = live pairs, V = vocabulary size):
/// - words: one flat `UInt32` symbol array (4n bytes) + start/length/count per word; merging only
///   shrinks a word, in place;
/// - occurrences: one append-only `UInt32` arena of word ids; each live pair owns one segment
///   (no per-pair sets). A segment may list words that lost the pair since (merging them finds
///   nothing); the arena is compacted, in place, when garbage exceeds half the live part;
/// - per-merge deltas: dense `V`-sized arrays indexed by the *other* symbol of the pair. Every pair
///   that changes during the merge of `(a, b)` into `n` has the form `(x, a)`, `(b, x)` (count
///   falls) or `(x, n)`, `(n, x)` (new), so summing into four dense arrays replaces one hash-table
///   update per occurrence with one per distinct pair per merge.
struct MergeEngine: ~Copyable {
    // Words.
    private(set) var symbols: RawBuffer<UInt32>
    /// Where a word's symbols live, how many are left, and how often the word occurs. One 16-byte
    /// record, so visiting a word costs one cache miss for its metadata, not three.
    struct Word {
        var start: UInt32
        var length: UInt32
        var count: UInt64
    }

    private(set) var words: RawBuffer<Word>

    private(set) var tokens: TokenTable
    private(set) var pairs: PairTable
    private(set) var occurrences: RawBuffer<UInt32>
    /// Σ occurrence lengths over live pairs: what a compaction would keep.
    private(set) var liveOccurrences = 0
    private var heap: PairHeap

    // Per-merge scratch, indexed by the other symbol x; all zero between merges.
    private var fallingLeft: RawBuffer<UInt64>    // (x, a)
    private var fallingRight: RawBuffer<UInt64>   // (b, x)
    private var risingLeft: RawBuffer<UInt64>     // (x, n), including (n, n)
    private var risingRight: RawBuffer<UInt64>    // (n, x), x ≠ n
    private(set) var touchedFallingLeft: RawBuffer<UInt32>
    private(set) var touchedFallingRight: RawBuffer<UInt32>
    private(set) var touchedRisingLeft: RawBuffer<UInt32>
    private(set) var touchedRisingRight: RawBuffer<UInt32>
    private var lastWordLeft: RawBuffer<UInt32>
    private var lastWordRight: RawBuffer<UInt32>
    private var registeredLeft: RawBuffer<UInt32>
    private var registeredRight: RawBuffer<UInt32>
    private var slotLeft: RawBuffer<Int>
    private var slotRight: RawBuffer<Int>
    /// `side << 63 | x << 32 | word` for each (new pair, word) incidence of the current merge.
    private(set) var registrations: RawBuffer<UInt64>

    let maxTokenLength: UInt32
    private let threshold: UInt64
    private let tokenLimit: Int
    private(set) var merges: [TrainedVocabulary.Merge] = []

    private static let noWord = UInt32.max
    /// Symbol offsets and occurrence offsets are `UInt32`; `UInt32.max` is reserved (`noWord`).
    static let positionLimit = Int(UInt32.max)

    /// Loads the words of `counts`, which it releases (pieces shorter than 2 bytes have no pairs and are skipped) and
    /// counts the initial byte pairs.
    ///
    /// - Parameters:
    ///   - byteOrder: token id → byte for the 256 initial tokens (the tie policy).
    ///   - tokenLimit: the number of mergeable tokens to stop at (256 + new tokens).
    /// - Complexity: O(total bytes of distinct pieces + 65 536).
    /// - Throws: `TrainerError.tooManySymbols` when the words hold 2³² symbols or more.
    init(counts: consuming WordCounts, byteOrder: [UInt8], tokenLimit: Int, minFrequency: UInt64, maxTokenLength: Int?) throws(TrainerError) {
        var idOfByte = [UInt32](repeating: 0, count: 256)
        for (id, byte) in byteOrder.enumerated() { idOfByte[Int(byte)] = UInt32(id) }

        var symbolTotal = 0
        var wordTotal = 0
        counts.forEach { piece, _ in
            if piece.count >= 2 { symbolTotal += piece.count; wordTotal += 1 }
        }
        guard symbolTotal < Self.positionLimit else { throw .tooManySymbols(symbolTotal, limit: Self.positionLimit - 1) }
        var symbols = RawBuffer<UInt32>(capacity: symbolTotal)
        var words = RawBuffer<Word>(capacity: wordTotal)
        counts.forEach { piece, count in
            guard piece.count >= 2 else { return }
            words.append(Word(start: UInt32(symbols.count), length: UInt32(piece.count), count: count))
            for byte in piece { symbols.append(idOfByte[Int(byte)]) }
        }
        // The words are symbols now: the pieces' arena and table go before the occurrence index and
        // the pair table are built, so their memory is not held through training.
        _ = consume counts

        // Initial pairs are pairs of byte ids: count them in dense 256×256 tables, then lay the
        // occurrence lists out contiguously (counting sort), all without hashing.
        var pairCount = [UInt64](repeating: 0, count: 65536)
        var pairWords = [UInt32](repeating: 0, count: 65536)
        var lastWord = [UInt32](repeating: Self.noWord, count: 65536)
        for word in 0..<words.count {
            let start = Int(words[word].start), length = Int(words[word].length), count = words[word].count
            for index in start..<(start + length - 1) {
                let pair = Int(symbols[index] << 8 | symbols[index + 1])
                pairCount[pair] &+= count
                if lastWord[pair] != UInt32(word) { lastWord[pair] = UInt32(word); pairWords[pair] += 1 }
            }
        }
        var segmentStart = [UInt32](repeating: 0, count: 65536)
        var total: UInt32 = 0
        var livePairs = 0
        for pair in 0..<65536 where pairWords[pair] > 0 {
            segmentStart[pair] = total
            total += pairWords[pair]
            livePairs += 1
        }
        occurrences = RawBuffer(repeating: 0, count: Int(total))
        var fill = segmentStart
        for index in 0..<65536 { lastWord[index] = Self.noWord }
        for word in 0..<words.count {
            let start = Int(words[word].start), length = Int(words[word].length)
            for index in start..<(start + length - 1) {
                let pair = Int(symbols[index] << 8 | symbols[index + 1])
                if lastWord[pair] != UInt32(word) {
                    lastWord[pair] = UInt32(word)
                    occurrences[Int(fill[pair])] = UInt32(word)
                    fill[pair] += 1
                }
            }
        }
        self.symbols = symbols
        self.words = words
        liveOccurrences = Int(total)

        threshold = max(1, minFrequency)
        self.tokenLimit = tokenLimit
        self.maxTokenLength = maxTokenLength.map { UInt32(clamping: $0) } ?? UInt32.max
        pairs = PairTable(minimumCapacity: max(livePairs * 4, 1 << 16))
        var candidates = RawBuffer<PairHeap.Entry>(capacity: livePairs)
        for pair in 0..<65536 where pairWords[pair] > 0 {
            let key = UInt64(pair >> 8) << 32 | UInt64(pair & 0xFF)
            let slot = pairs.findOrInsert(key)
            pairs.counts[slot] = pairCount[pair]
            pairs.occurrenceStart[slot] = segmentStart[pair]
            pairs.occurrenceLength[slot] = pairWords[pair]
            if pairCount[pair] >= threshold { candidates.append(PairHeap.Entry(count: pairCount[pair], pair: key)) }
        }
        heap = PairHeap(candidates)
        // Tables are sized by the tokens the corpus can yield, not by the size asked for: every merge
        // shortens at least one word by a symbol, so there are at most `symbolTotal - wordTotal` of them.
        // `--vocab-size 5000000000` on a 4 KB corpus then allocates for a few thousand tokens.
        let reachable = min(tokenLimit, 256 + (symbolTotal - wordTotal))
        tokens = TokenTable(byteOrder: byteOrder, expectedTokens: reachable)

        let dense = max(reachable, 256)
        fallingLeft = RawBuffer(repeating: 0, count: dense)
        fallingRight = RawBuffer(repeating: 0, count: dense)
        risingLeft = RawBuffer(repeating: 0, count: dense)
        risingRight = RawBuffer(repeating: 0, count: dense)
        touchedFallingLeft = RawBuffer(capacity: 1024)
        touchedFallingRight = RawBuffer(capacity: 1024)
        touchedRisingLeft = RawBuffer(capacity: 1024)
        touchedRisingRight = RawBuffer(capacity: 1024)
        lastWordLeft = RawBuffer(repeating: Self.noWord, count: dense)
        lastWordRight = RawBuffer(repeating: Self.noWord, count: dense)
        registeredLeft = RawBuffer(repeating: 0, count: dense)
        registeredRight = RawBuffer(repeating: 0, count: dense)
        slotLeft = RawBuffer(repeating: 0, count: dense)
        slotRight = RawBuffer(repeating: 0, count: dense)
        registrations = RawBuffer(capacity: 4096)
    }

    var tokenCount: Int { tokens.count }

    /// All tokens by id.
    func allTokens() -> [[UInt8]] { tokens.allTokens() }

    /// Pops the next pair to merge: the highest count, ties to the smaller (left, right) id.
    ///
    /// Heap entries are lazy, as in HF: a popped entry whose count no longer matches the table is
    /// stale. If the pair's count fell (the only way an existing pair's count changes, except when a
    /// merge re-creates an existing token), it is re-pushed with the current count; if it rose, a
    /// newer entry with the current count is already in the heap and this one is dropped. Returns
    /// `nil` when no pair reaches the frequency threshold.
    ///
    /// - Complexity: O(log H) amortized per stale entry.
    mutating func nextPair() -> PairHeap.Entry? {
        while !heap.isEmpty {
            let top = heap.pop()
            let slot = pairs.find(top.pair)
            let current = slot >= 0 ? pairs.counts[slot] : 0
            if current == top.count { return top }
            if current < top.count, current >= threshold { heap.push(count: current, pair: top.pair) }
        }
        return nil
    }

    /// Merges every occurrence of `pair` in every word into one token and updates counts, the
    /// occurrence index and the heap. Returns the merged token's id.
    ///
    /// Worked example (the Wikipedia corpus `aaabdaaabac`, one word): merging `(a, a)` into `Z`
    /// scans left to right without overlap, so `a a a b d a a a b a c` becomes `Z a b d Z a b a c`.
    /// Around each occurrence with left neighbour `L` and right neighbour `R`, `(L, a)` and `(b, R)`
    /// lose one and `(L, Z)` and `(Z, R)` gain one:
    /// - first `a a` (no `L`, `R` = a): `(a, a)` −1 (the overlapping pair), `(Z, a)` +1;
    /// - second `a a` (`L` = d, `R` = a): `(d, a)` −1, `(d, Z)` +1, `(a, a)` −1, `(Z, a)` +1;
    /// - `(a, a)` itself is deleted: none is left (a run `a a a` leaves `Z a`), `(a, b)` keeps 2.
    /// Two adjacent occurrences (`a b a b` merging `(a, b)`) turn the `(b, a)` between them into
    /// `(Z, Z)` directly, so no pair is counted up and then down again.
    ///
    /// - Complexity: O(Σ length of the words listed for `pair`) + O(distinct changed pairs · log H).
    /// - Throws: `TrainerError.occurrenceIndexFull` when the pair index would pass 2³² entries;
    ///   the engine is then unusable.
    mutating func merge(_ pair: UInt64) throws(TrainerError) -> UInt32 {
        let a = UInt32(truncatingIfNeeded: pair >> 32)
        let b = UInt32(truncatingIfNeeded: pair)
        let (n, _) = try tokens.concatenate(a, b)
        merges.append(TrainedVocabulary.Merge(left: a, right: b, result: n))

        let mergedSlot = pairs.find(pair)
        let segmentStart = Int(pairs.occurrenceStart[mergedSlot])
        let segmentLength = Int(pairs.occurrenceLength[mergedSlot])
        let lengthOfN = tokens.lengths[Int(n)]
        let maxLength = maxTokenLength
        let tokenLengths = tokens.lengths.base

        let symbolBase = symbols.base
        let wordBase = words.base
        let segmentEnd = segmentStart + segmentLength
        let occurrenceBase = occurrences.base
        for position in segmentStart..<segmentEnd {
            // The words of a list lie anywhere in memory: start loading the record of the word eight
            // ahead and the symbols of the word four ahead (whose record is loaded by now), so the
            // scan below finds them in cache instead of waiting on two misses per word.
            if position &+ 8 < segmentEnd { tk_prefetch(wordBase + Int(occurrenceBase[position &+ 8])) }
            if position &+ 4 < segmentEnd { tk_prefetch(symbolBase + Int(wordBase[Int(occurrenceBase[position &+ 4])].start)) }
            let word = occurrenceBase[position]
            let record = wordBase[Int(word)]
            let start = Int(record.start)
            let length = Int(record.length)
            let count = record.count
            let s = symbolBase + start
            // Skip to the first occurrence without writing: the list may name words that lost the
            // pair since it was recorded, and most words change only near one spot.
            var read = 0
            while read + 1 < length, s[read] != a || s[read + 1] != b { read += 1 }
            if read + 1 >= length { continue }
            var write = read
            var betweenOccurrences = false
            while read < length {
                let symbol = s[read]
                if symbol == a, read + 1 < length, s[read + 1] == b {
                    if write > 0 {
                        if betweenOccurrences {
                            fall(right: a, count)                 // (b, a) between two occurrences
                            rise(n, lengthOfN, maxLength, tokenLengths, word, count, left: true)  // (n, n)
                        } else {
                            let left = s[write - 1]
                            fall(left: left, count)               // (L, a)
                            rise(left, lengthOfN, maxLength, tokenLengths, word, count, left: true)  // (L, n)
                        }
                    }
                    s[write] = n
                    write += 1
                    read += 2
                    betweenOccurrences = false
                    if read < length {
                        let right = s[read]
                        if right == a, read + 1 < length, s[read + 1] == b {
                            betweenOccurrences = true              // handled by the next occurrence
                        } else {
                            fall(right: right, count)              // (b, R)
                            // (n, R); (n, n) is kept on the left side so it has one slot.
                            rise(right, lengthOfN, maxLength, tokenLengths, word, count, left: right == n)
                        }
                    }
                } else {
                    s[write] = symbol
                    write += 1
                    read += 1
                    betweenOccurrences = false
                }
            }
            wordBase[Int(word)].length = UInt32(write)
        }

        // The merged pair is gone from every word (runs like `a a a` leave no `(a, a)` behind).
        liveOccurrences -= Int(pairs.occurrenceLength[mergedSlot])
        pairs.remove(at: mergedSlot)
        applyFalling(a: a, b: b)
        try applyRising(n: n)
        // Garbage is allowed up to half the live part: compaction is in place and cheap, and the arena
        // is the largest table of a run, so its peak is the run's peak.
        if occurrences.count > liveOccurrences + liveOccurrences / 2 + (1 << 20) { compactOccurrences() }
        InternalChecks.require(firstInvariantViolation(), "MergeEngine")
        return n
    }

    // MARK: - Per-merge deltas

    @inline(__always)
    private mutating func fall(left x: UInt32, _ count: UInt64) {
        if fallingLeft[Int(x)] == 0 { touchedFallingLeft.append(x) }
        fallingLeft[Int(x)] &+= count
    }

    @inline(__always)
    private mutating func fall(right x: UInt32, _ count: UInt64) {
        if fallingRight[Int(x)] == 0 { touchedFallingRight.append(x) }
        fallingRight[Int(x)] &+= count
    }

    /// Counts one occurrence of the new pair `(x, n)` (`left`) or `(n, x)` in `word` — unless the
    /// merged token would exceed the length limit: such a pair is never counted (HF: the `+1` is
    /// only emitted when `len(x) + len(n) < max_token_length`), so it can never be merged.
    @inline(__always)
    private mutating func rise(
        _ x: UInt32, _ lengthOfN: UInt32, _ maxLength: UInt32, _ tokenLengths: UnsafeMutablePointer<UInt32>,
        _ word: UInt32, _ count: UInt64, left: Bool
    ) {
        guard tokenLengths[Int(x)] &+ lengthOfN <= maxLength else { return }
        if left {
            if risingLeft[Int(x)] == 0 { touchedRisingLeft.append(x) }
            risingLeft[Int(x)] &+= count
            if lastWordLeft[Int(x)] != word {
                lastWordLeft[Int(x)] = word
                registeredLeft[Int(x)] &+= 1
                registrations.append(UInt64(x) << 32 | UInt64(word))
            }
        } else {
            if risingRight[Int(x)] == 0 { touchedRisingRight.append(x) }
            risingRight[Int(x)] &+= count
            if lastWordRight[Int(x)] != word {
                lastWordRight[Int(x)] = word
                registeredRight[Int(x)] &+= 1
                registrations.append(1 << 63 | UInt64(x) << 32 | UInt64(word))
            }
        }
    }

    /// Subtracts the falling counts. A pair missing from the table is the merged pair itself or one
    /// that was never counted (too long); a pair reaching zero is deleted with its occurrence list.
    private mutating func applyFalling(a: UInt32, b: UInt32) {
        for index in 0..<touchedFallingLeft.count {
            let x = touchedFallingLeft[index]
            subtract(fallingLeft[Int(x)], from: UInt64(x) << 32 | UInt64(a))
            fallingLeft[Int(x)] = 0
        }
        for index in 0..<touchedFallingRight.count {
            let x = touchedFallingRight[index]
            subtract(fallingRight[Int(x)], from: UInt64(b) << 32 | UInt64(x))
            fallingRight[Int(x)] = 0
        }
        touchedFallingLeft.removeAll()
        touchedFallingRight.removeAll()
    }

    @inline(__always)
    private mutating func subtract(_ amount: UInt64, from key: UInt64) {
        let slot = pairs.find(key)
        guard slot >= 0 else { return }
        let remaining = pairs.counts[slot] &- amount
        assert(remaining <= pairs.counts[slot], "pair count underflow")
        if remaining == 0 {
            liveOccurrences -= Int(pairs.occurrenceLength[slot])
            pairs.remove(at: slot)
        } else {
            pairs.counts[slot] = remaining
        }
    }

    /// Adds the new pairs' counts, gives each one a fresh occurrence segment (after its old one,
    /// which exists only when `n` is an existing token), and pushes them onto the heap.
    private mutating func applyRising(n: UInt32) throws(TrainerError) {
        pairs.reserve(additional: touchedRisingLeft.count + touchedRisingRight.count)
        for side in 0..<2 {
            let touched = side == 0 ? touchedRisingLeft.base : touchedRisingRight.base
            let touchedCount = side == 0 ? touchedRisingLeft.count : touchedRisingRight.count
            for index in 0..<touchedCount {
                let x = touched[index]
                let key = side == 0 ? UInt64(x) << 32 | UInt64(n) : UInt64(n) << 32 | UInt64(x)
                let slot = pairs.findOrInsert(key)
                let added = side == 0 ? risingLeft[Int(x)] : risingRight[Int(x)]
                pairs.counts[slot] &+= added
                let oldStart = Int(pairs.occurrenceStart[slot]), oldLength = Int(pairs.occurrenceLength[slot])
                let newWords = Int(side == 0 ? registeredLeft[Int(x)] : registeredRight[Int(x)])
                guard occurrences.count + oldLength + newWords < Self.positionLimit else {
                    throw .occurrenceIndexFull(merge: merges.count, limit: Self.positionLimit - 1)
                }
                let start = occurrences.extend(by: oldLength + newWords, with: 0)
                for offset in 0..<oldLength { occurrences[start + offset] = occurrences[oldStart + offset] }
                pairs.occurrenceStart[slot] = UInt32(start)
                liveOccurrences += newWords
                if side == 0 {
                    slotLeft[Int(x)] = slot
                    risingLeft[Int(x)] = 0
                    registeredLeft[Int(x)] = 0
                } else {
                    slotRight[Int(x)] = slot
                    risingRight[Int(x)] = 0
                    registeredRight[Int(x)] = 0
                }
            }
        }
        for index in 0..<registrations.count {
            let registration = registrations[index]
            let x = Int(truncatingIfNeeded: (registration >> 32) & 0x7FFF_FFFF)
            let slot = registration >> 63 == 0 ? slotLeft[x] : slotRight[x]
            let length = pairs.occurrenceLength[slot]
            occurrences[Int(pairs.occurrenceStart[slot]) + Int(length)] = UInt32(truncatingIfNeeded: registration)
            pairs.occurrenceLength[slot] = length + 1
        }
        for index in 0..<touchedRisingLeft.count {
            let x = Int(touchedRisingLeft[index])
            lastWordLeft[x] = Self.noWord
            pushIfEligible(slotLeft[x])
        }
        for index in 0..<touchedRisingRight.count {
            let x = Int(touchedRisingRight[index])
            lastWordRight[x] = Self.noWord
            pushIfEligible(slotRight[x])
        }
        touchedRisingLeft.removeAll()
        touchedRisingRight.removeAll()
        registrations.removeAll()
    }

    /// Pairs below the threshold never enter the heap: an existing pair's count only falls, and a
    /// pair whose count rises is pushed again then, so they could never be selected.
    @inline(__always)
    private mutating func pushIfEligible(_ slot: Int) {
        let count = pairs.counts[slot]
        if count >= threshold { heap.push(count: count, pair: pairs.keys[slot]) }
    }

    /// Moves the live segments to the front of the arena, in place and in arena order (dead segments
    /// are those of merged or vanished pairs and the old copies of extended ones). In place rather than
    /// into a fresh arena: a copy would hold both arenas at once, the largest allocation of a run.
    ///
    /// - Complexity: O(live occurrences + table capacity + P log P) for P live pairs, amortized O(1)
    ///   per appended entry.
    private mutating func compactOccurrences() {
        // Live segments ordered by where they start: `start << 32 | slot`. Moving each one down to the
        // write cursor never overwrites a segment not yet moved (the cursor stays at or below its start).
        var order: [UInt64] = []
        order.reserveCapacity(pairs.liveCount)
        for slot in 0..<pairs.capacity where pairs.keys[slot] != PairTable.emptyKey {
            order.append(UInt64(pairs.occurrenceStart[slot]) << 32 | UInt64(slot))
        }
        order.sort()
        let base = occurrences.base
        var write = 0
        for packed in order {
            let slot = Int(truncatingIfNeeded: packed & 0xFFFF_FFFF)
            let start = Int(truncatingIfNeeded: packed >> 32), length = Int(pairs.occurrenceLength[slot])
            if start != write { UnsafeMutableRawPointer(base + write).copyMemory(from: base + start, byteCount: length * 4) }
            pairs.occurrenceStart[slot] = UInt32(write)
            write += length
        }
        occurrences.truncate(to: write)
    }
}
