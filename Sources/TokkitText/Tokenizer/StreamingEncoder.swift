import Dispatch
import Synchronization
import TokkitCore

/// Encodes input of any size in bounded memory and on all cores, with the ids of whole-text encoding.
///
/// Feed bytes as they are read; the encoder cuts the pending bytes into chunks at *safe cuts*,
/// encodes the chunks in parallel (one `BytePairMerger`, with its piece cache, per worker, kept
/// from feed to feed) and returns their ids in input order. Bytes after the last safe cut wait for
/// the next feed.
///
/// A safe cut is an offset `p` with either
/// - a *word start* (an ASCII letter or a non-ASCII mark) at `p` after a `\n` that follows a mark,
///   where a mark is a character that is not whitespace: printable ASCII other than space, or a
///   well-formed non-ASCII character outside Unicode's White_Space (and U+180E, U+200B, U+FEFF, to
///   be safe). For the named patterns, a `\n` joins the character after it only if that is
///   whitespace (`\s+`, `\s*[\r\n]`) or, in o200k, `/` (`[\r\n/]*`); and after a mark it ends
///   its piece the same way with or without the text after it (gpt2: `\s` takes the lone `\n`;
///   cl100k and o200k: punctuation takes it, else `\s*[\r\n]` or `\s++$` does).
/// - a `\n` at `p` after an ASCII letter or digit. No piece holds a letter or digit and a `\n`
///   after it, and whatever follows, even a whitespace run, is split from `p` on as in the whole.
/// - a space at `p` between two ASCII letters, inside a line. Every piece that holds a letter ends
///   at the end of its run of letters (or after a contraction suffix, which ends in a letter), so a
///   piece ends at `p`; and from `p` on, " word" is one piece (`' ?\p{L}+'`, or the optional
///   non-letter before the letters in cl100k and o200k) whatever came before. No whitespace piece ends
///   at `p`, so the end of the earlier chunk changes no lookahead or `$`. This form keeps memory flat on
///   text without newlines (a 100 MB one-line file used to be held whole: 572 MB).
///
/// - the end of a run of letters or of digits, for text without spaces or newlines (CJK, numbers,
///   punctuation), where the pattern allows it (``CutRules``): a letter (`\p{L}`) before `p` and a
///   non-letter at `p`; a digit (`\p{N}`) before `p` and a non-digit at `p`; inside a run of ASCII
///   digits, every digit in qwen2 (`\p{N}`) and every third from the run's start in cl100k and o200k
///   (`\p{N}{1,3}`). Why a piece ends there: a letter is only ever in a piece of letters (with at most
///   one non-letter *before* them, and contraction letters after a `'`), which ends where the letters
///   end, except in o200k, where marks (`\p{M}`) and a `'s` suffix continue it: so o200k wants neither
///   at `p`. A digit is only ever in a piece of digits, which ends where the digits end (gpt2
///   `\p{N}++`), or after 1–3 of them counted from the run's first digit (cl100k, o200k) or after each
///   (qwen2). The piece that ends at `p` ends in a letter or digit, so it used no lookahead and no `$`.
///   A cut never falls inside an occurrence of a special token. What no form can cut is one piece in
///   every pattern: a run of one script's letters without punctuation (20 MB of "的" or of "a"), of
///   punctuation ("。。。"), of whitespace, and gpt2's run of digits; such a piece is held and merged
///   whole (see Memory).
///
/// No rule looks behind, so the pieces of the whole text are the pieces of the chunks. (A space
/// before a word, after whitespace, is no cut: cl100k's `\s++$` takes a whitespace run that ends
/// a chunk whole.) Non-ASCII marks and the second form matter on real text: 46 MB of multilingual
/// text, whose lines are mostly indented or start with a non-ASCII letter, had 1,022 cuts with
/// only the first form for ASCII letters, 11 MB between two of them. Special tokens are matched
/// before splitting and cannot straddle a cut unless one holds a `\n` or a space.
/// `StreamingEncoderTests` checks the equality against whole-text encoding and ICU's pieces. Where no
/// cut can be proven (a custom pattern, or such a special token), nothing is cut: the input is
/// encoded whole by `finish()`, in memory.
///
/// Memory: about `threads × chunkSize` bytes of input and their ids, plus the longest stretch
/// without a safe cut, which is at most one piece of the pattern plus a few characters. A piece
/// longer than a chunk is held once in the pending buffer (which grows by doubling, so up to twice its
/// length is reserved) and merged where it lies: the merger's working memory for a piece of `n` bytes
/// is three 4-byte arrays and a heap of 8-byte entries that holds up to three per byte, stale ones
/// included (≤ 36 bytes per byte; measured 316 MB peak for 10 MB of "a" with cl100k), and its ids are
/// at most 4 bytes per byte. That part is not bounded by a constant, and cannot be in general:
/// byte-pair merging is not local (in "baaa…a" the first merge of "ba" shifts the pairing of every
/// later "aa", so the last id depends on the first byte), and the ids must equal whole-text
/// encoding's. The search for a cut in a growing uncut stretch resumes where it stopped, so a long
/// piece fed in small blocks costs linear time, not quadratic.
///
///
/// ```swift
/// let stream = StreamingEncoder(tokenizer: tokenizer)
/// while let block = read() { write(try stream.feed(block)) }
/// write(try stream.finish())
/// ```
public final class StreamingEncoder {
    public let tokenizer: Tokenizer
    /// The largest target chunk length in bytes (the last chunks of each worker's region are smaller); each
    /// chunk ends at the safe cut nearest below its target.
    public let chunkSize: Int
    public let threads: Int
    /// Whether this tokenizer's pattern and special tokens allow cutting at all (see the type's notes).
    public let cutsSafely: Bool
    /// The pattern-specific cut forms (`nil` when `cutsSafely` is false).
    package let rules: CutRules?
    private let policy: SpecialTokenPolicy
    private let lossy: Bool
    private var pending: [UInt8] = []
    /// Whether every byte in `pending` came from a `String` (valid UTF-8 by construction), so that its chunks need no
    /// check; true while `pending` is empty.
    private var pendingIsValid = true
    /// Input bytes already encoded and dropped from `pending`: the base of error offsets.
    private var consumed = 0
    /// Where the last search of the whole `pending` for a cut stopped without finding one: positions
    /// below it (less a margin for the characters a test reads) need no second look.
    private var searchedUpTo = 0
    private let mergers: BatchSlots<BytePairMerger>

    /// - Parameters:
    ///   - allowedSpecial, disallowedSpecial: as in `Tokenizer.encode`.
    ///   - lossy: replace ill-formed UTF-8 by U+FFFD instead of failing.
    ///   - chunkSize: bytes per chunk (1 MiB by default: large enough that the per-chunk work is
    ///     noise, small enough that all cores get work and memory stays small).
    public init(tokenizer: Tokenizer, allowedSpecial: SpecialTokenSet = .none, disallowedSpecial: SpecialTokenSet = .all,
                lossy: Bool = false, chunkSize: Int = 1 << 20, threads: Int = Tokenizer.defaultThreadCount) {
        self.tokenizer = tokenizer
        self.chunkSize = max(64, chunkSize)
        self.threads = max(1, threads)
        self.policy = SpecialTokenPolicy(tokenizer.vocabulary.specialTokens, allowed: allowedSpecial, disallowed: disallowedSpecial)
        self.lossy = lossy
        let named = tokenizer.pattern.scanner != nil
        let newlineInside = tokenizer.vocabulary.specialTokens.contains {
            $0.bytes.contains(UInt8(ascii: "\n")) || $0.bytes.contains(UInt8(ascii: " "))
        }
        self.cutsSafely = named && !newlineInside
        self.rules = cutsSafely ? CutRules(pattern: tokenizer.pattern, specialTokens: tokenizer.vocabulary.specialTokens.map(\.bytes)) : nil
        self.mergers = BatchSlots(count: self.threads)
        for worker in 0..<self.threads { mergers.set(worker, BytePairMerger()) }
    }

    /// Takes the next bytes of the input and returns the ids of every chunk that is now complete.
    /// - Throws: `EncodingError` with offsets counted from the start of the whole input.
    public func feed(_ bytes: [UInt8]) throws(EncodingError) -> [TokenID] {
        try bytes.withUnsafeBufferPointer { buffer throws(EncodingError) in try feed(buffer) }
    }

    package func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws(EncodingError) -> [TokenID] {
        let chunks = try feedChunks(bytes)
        return Self.joined(chunks, workers: min(threads, chunks.count))
    }

    /// `feed(_:)` of a string's UTF-8. A Swift string is valid UTF-8, so its bytes are not checked again (bytes fed
    /// as bytes still are, also when they join a string's in one chunk).
    public func feed(_ text: String) throws(EncodingError) -> [TokenID] {
        let chunks = try feedChunks(text)
        return Self.joined(chunks, workers: min(threads, chunks.count))
    }

    /// `feedChunks(_:)` of a string's UTF-8, unchecked as in `feed(_: String)`.
    public func feedChunks(_ text: String) throws(EncodingError) -> [[TokenID]] {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(EncodingError) -> [[TokenID]] in try feedChunks(buffer, valid: true) }
        }.get()
    }

    /// Encodes what is left, as the end of the text.
    public func finish() throws(EncodingError) -> [TokenID] {
        let chunks = try finishChunks()
        return Self.joined(chunks, workers: min(threads, chunks.count))
    }

    /// `feed(_:)` with the ids of each chunk in an array of its own, in input order: for a caller that writes them
    /// out (`tokkit encode`), which then needs no joined copy, a second write of every id into fresh memory
    /// (`TokkitBench encode --threads 2`, 10 MB of public_en, cl100k, paired against joining: wall 1.045, CPU 1.035).
    public func feedChunks(_ bytes: [UInt8]) throws(EncodingError) -> [[TokenID]] {
        try bytes.withUnsafeBufferPointer { buffer throws(EncodingError) in try feedChunks(buffer) }
    }

    package func feedChunks(_ bytes: UnsafeBufferPointer<UInt8>) throws(EncodingError) -> [[TokenID]] {
        try feedChunks(bytes, valid: false)
    }

    /// `valid`: the bytes are known to be valid UTF-8 (a string's).
    private func feedChunks(_ bytes: UnsafeBufferPointer<UInt8>, valid: Bool) throws(EncodingError) -> [[TokenID]] {
        // With nothing pending, the chunks are encoded straight from the caller's bytes and only the
        // bytes after the last cut are kept: copying a large input into `pending` first was serial
        // work (15 ms of a 280 ms run of two threads on one 24 MB feed: a memcpy into fresh pages).
        if pending.isEmpty, cutsSafely, bytes.count >= threads * chunkSize {
            let (ids, encodedEnd) = try encode(bytes, final: false, valid: valid)
            pending.append(contentsOf: bytes[encodedEnd...])
            pendingIsValid = valid
            consumed += encodedEnd
            return ids
        }
        pendingIsValid = pendingIsValid && (valid || bytes.isEmpty)
        pending.append(contentsOf: bytes)
        guard cutsSafely, pending.count >= threads * chunkSize else { return [] }
        return try encodePending(final: false)
    }

    /// `finish()` with the ids of each chunk in an array of its own (see `feedChunks(_:)`).
    public func finishChunks() throws(EncodingError) -> [[TokenID]] {
        try encodePending(final: true)
    }

    /// The safe cut (see the type's notes) nearest below `target`, else the nearest above it,
    /// within `lower + 2 ..< text.count`; `nil` when there is none.
    /// - Complexity: O(distance to the cut).
    /// - Parameters:
    ///   - lower: a safe cut (or the start of the text): where pieces are known to start.
    ///   - floor: no cut is looked for below it (a search that already failed there).
    package static func safeCut(in text: UnsafeBufferPointer<UInt8>, after lower: Int, near target: Int,
                                rules: CutRules? = nil, floor: Int = 0) -> Int? {
        var digits = DigitRun()
        @inline(__always) func startsWord(_ q: Int) -> Bool {
            let letter = text[q] | 0x20
            return text[q] >= 0x80 ? markLength(in: text, at: q) > 0
                                   : letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z")
        }
        @inline(__always) func isCut(_ p: Int) -> Bool {
            switch text[p - 1] {
            case UInt8(ascii: "\n") where startsWord(p):
                return isMark(in: text, endingAt: p - 2)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if text[p] == UInt8(ascii: "\n") { return true }
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                if text[p] == UInt8(ascii: "\n") { return true }
                guard text[p] == UInt8(ascii: " "), p + 1 < text.count else { break }
                let next = text[p + 1] | 0x20
                if next >= UInt8(ascii: "a") && next <= UInt8(ascii: "z") { return true }
            default:
                break
            }
            guard let rules else { return false }
            return rules.endsRun(in: text, at: p, lower: lower, digits: &digits)
        }
        let lowest = max(lower + 2, floor)
        var p = min(target, text.count - 1)
        while p >= lowest {
            if isCut(p) { return p }
            p -= 1
        }
        p = max(target + 1, lowest)
        while p < text.count {
            if isCut(p) { return p }
            p += 1
        }
        return nil
    }

    /// The byte length of the mark (see the type's notes) at `start`, or 0 when the character there
    /// is whitespace, ill-formed or cut off by the end of `text`.
    ///
    /// `text[start...]` = `"ж"` (D0 B6) → 2; `"\u{3000}"` (ideographic space, E3 80 80) → 0.
    static func markLength(in text: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
        guard let scalar = scalar(in: text, at: start) else { return 0 }
        let length = scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4
        if length == 1 { return (0x21...0x7E).contains(scalar) ? 1 : 0 }
        // White_Space from ICU (the class `\s` matches); U+180E, U+200B and U+FEFF were White_Space
        // in older Unicode versions and are kept out of marks to be safe.
        if CodePointClasses.shared.classes(of: scalar) & CodePointClasses.whiteSpace != 0 { return 0 }
        switch scalar {
        case 0x180E, 0x200B, 0xFEFF: return 0
        default: return length
        }
    }

    /// The code point of the well-formed character that starts at `start`; `nil` when it is
    /// ill-formed or cut off by the end of `text`.
    static func scalar(in text: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt32? {
        let lead = text[start]
        let length: Int
        switch lead {
        case 0x00...0x7F: return UInt32(lead)
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return nil
        }
        guard start + length <= text.count else { return nil }
        var scalar = UInt32(lead) & (0x7F >> length)
        for k in 1..<length {
            let byte = text[start + k]
            guard byte & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        // Overlong forms and surrogates would make the text invalid.
        let smallest: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard scalar >= smallest, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return nil }
        return scalar
    }

    /// The code point of the well-formed character whose last byte is `text[end]`, else `nil`.
    static func scalar(in text: UnsafeBufferPointer<UInt8>, endingAt end: Int) -> UInt32? {
        var start = end
        while start > 0, end - start < 3, text[start] & 0xC0 == 0x80 { start -= 1 }
        guard let scalar = scalar(in: text, at: start) else { return nil }
        let length = scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4
        return length == end - start + 1 ? scalar : nil
    }

    /// Whether the character whose last byte is `text[end]` is a mark (see the type's notes).
    static func isMark(in text: UnsafeBufferPointer<UInt8>, endingAt end: Int) -> Bool {
        var start = end
        while start > 0, end - start < 3, text[start] & 0xC0 == 0x80 { start -= 1 }
        return markLength(in: text, at: start) == end - start + 1
    }

    private func encodePending(final: Bool) throws(EncodingError) -> [[TokenID]] {
        let valid = pendingIsValid
        let (ids, encodedEnd) = try pending.withUnsafeBufferPointer { text throws(EncodingError) in
            try encode(text, final: final, valid: valid)
        }
        if encodedEnd == 0, !final {
            // No cut yet: the next search starts where the tests of this one could not see the end.
            searchedUpTo = max(0, pending.count - (rules?.margin ?? 0))
        } else {
            searchedUpTo = 0
        }
        pending.removeFirst(encodedEnd)
        if pending.isEmpty { pendingIsValid = true }
        consumed += encodedEnd
        return ids
    }

    /// The chunks of `text` (which starts at input offset `consumed`) up to its last safe cut, or all
    /// of it when `final`, in order; and which of them each worker starts with.
    ///
    /// The text is first split into one contiguous region per worker, each worker encodes its own
    /// region front to back, and a worker that runs out takes chunks from the back of the region with
    /// the most left. Why regions: each worker has its own piece cache, so a word met by two workers
    /// is merged twice; with chunks dealt out in turn, every worker met all of a multilingual text.
    /// Chunks shrink toward the end of each region, to a sixteenth of `chunkSize`, so that what is
    /// taken from the back is small and the workers finish together.
    private func chunks(in text: UnsafeBufferPointer<UInt8>, final: Bool) -> (ranges: [Range<Int>], regions: [Range<Int>]) {
        guard cutsSafely else { return final && !text.isEmpty ? ([0..<text.count], [0..<1]) : ([], []) }
        let end: Int
        if final {
            end = text.count
        } else {
            guard let last = Self.safeCut(in: text, after: 0, near: text.count, rules: rules, floor: searchedUpTo) else { return ([], []) }
            end = last
        }
        var ranges: [Range<Int>] = []
        var regions: [Range<Int>] = []
        var start = 0
        let smallest = max(1, chunkSize / 16)
        for worker in 0..<threads {
            var regionEnd = end
            if worker < threads - 1,
               let cut = Self.safeCut(in: text, after: start, near: start + (end - start) / (threads - worker), rules: rules),
               cut < end {
                regionEnd = cut
            }
            let first = ranges.count
            while start < regionEnd {
                let size = min(chunkSize, max(smallest, (regionEnd - start) / 4))
                if start + size < regionEnd, let cut = Self.safeCut(in: text, after: start, near: start + size, rules: rules),
                   cut < regionEnd {
                    ranges.append(start..<cut)
                    start = cut
                } else {
                    ranges.append(start..<regionEnd)
                    start = regionEnd
                }
            }
            regions.append(first..<ranges.count)
        }
        return (ranges, regions)
    }

    /// The next chunk for `worker`: the front of its own region, else the back of the region with
    /// the most chunks left; `nil` when none is left.
    private static func claim(_ worker: Int, from regions: inout [Range<Int>]) -> Int? {
        if worker < regions.count, let index = regions[worker].first {
            regions[worker] = (index + 1)..<regions[worker].upperBound
            return index
        }
        guard let victim = regions.indices.max(by: { regions[$0].count < regions[$1].count }),
              let index = regions[victim].last else { return nil }
        regions[victim] = regions[victim].lowerBound..<index
        return index
    }

    /// Encodes the chunks of `text` in parallel; returns their ids, chunk by chunk in order, and where the last one ends.
    /// `valid`: `text` is known to be valid UTF-8, so its chunks are not checked.
    private func encode(_ text: UnsafeBufferPointer<UInt8>, final: Bool, valid: Bool) throws(EncodingError) -> ([[TokenID]], Int) {
        let (ranges, regions) = chunks(in: text, final: final)
        guard let encodedEnd = ranges.last?.upperBound else { return ([], 0) }
        let results = BatchSlots<Result<[TokenID], EncodingError>>(count: ranges.count)
        // Taken once per chunk (a few hundred times per 100 MB): a lock costs nothing here.
        let unclaimed = Mutex(regions)
        let base = consumed
        let workers = min(threads, ranges.count)
        let tokenizer = self.tokenizer
        let policy = self.policy
        let lossy = self.lossy
        let mergers = self.mergers
        // The buffer is read-only here and outlives `Parallelism.run`.
        let shared = UncheckedSendableBuffer(text)
        Parallelism.run(workers: workers) { worker in
            var merger = mergers.take(worker) ?? BytePairMerger()
            while let index = unclaimed.withLock({ Self.claim(worker, from: &$0) }) {
                let range = ranges[index]
                results.set(index, Result { () throws(EncodingError) -> [TokenID] in
                    try Self.encodeChunk(UnsafeBufferPointer(rebasing: shared.buffer[range]), base: base + range.lowerBound,
                                         tokenizer: tokenizer, policy: policy, lossy: lossy, checkUTF8: !valid, merger: &merger)
                })
            }
            mergers.set(worker, merger)
        }
        var chunks: [[TokenID]] = []
        for index in 0..<ranges.count {
            switch results.take(index) {
            case .success(let chunk): chunks.append(chunk)
            case .failure(let error): throw error
            case nil: break
            }
        }
        return (chunks, encodedEnd)
    }

    /// The chunks' ids in one array, copied into place by `workers` threads.
    ///
    /// Why in parallel: the joined ids are tens of megabytes of fresh memory, and the page faults of
    /// writing them, more than the copy, made joining serially up to a tenth of the wall time. Why no
    /// huge-page advice (`HugePages`), as decoding's output has: here, where the kernel compacts memory to
    /// give a huge page on the fault (`transparent_hugepage/defrag` = `madvise`), the advised join took
    /// a tenth of a two-thread run's CPU time; without it, `TokkitBench encode --threads 2 --warm-up 1`, 10 MB,
    /// paired over 10 runs: en cl100k wall 1.168×, CPU 1.085×; multi o200k 1.064× / 1.091× (8 runs).
    private static func joined(_ chunks: [[TokenID]], workers: Int) -> [TokenID] {
        if chunks.isEmpty { return [] }
        if chunks.count == 1 { return chunks[0] }
        let offsets = chunks.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.count) }
        let total = offsets[chunks.count]
        return [TokenID](unsafeUninitializedCapacity: total) { buffer, initialized in
            // Each chunk is copied by one worker into its own range of `buffer`, which outlives
            // `Parallelism.run`.
            let shared = UncheckedSendableBuffer(buffer)
            let next = Atomic<Int>(0)
            Parallelism.run(workers: workers) { _ in
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    if index >= chunks.count { break }
                    chunks[index].withUnsafeBufferPointer { chunk in
                        _ = UnsafeMutableBufferPointer(rebasing: shared.buffer[offsets[index]...]).initialize(fromContentsOf: chunk)
                    }
                }
            }
            initialized = total
        }
    }

    private static func encodeChunk(_ chunk: UnsafeBufferPointer<UInt8>, base: Int, tokenizer: Tokenizer,
                                    policy: SpecialTokenPolicy, lossy: Bool, checkUTF8: Bool,
                                    merger: inout BytePairMerger) throws(EncodingError) -> [TokenID] {
        var output: [TokenID] = []
        output.reserveCapacity(chunk.count / 2 + 1)  // as `Tokenizer.encode(validUTF8:)` does, and why
        if checkUTF8, let bad = UTF8Validation.firstInvalidOffset(chunk) {
            guard lossy else { throw .invalidUTF8(offset: base + bad) }
            // Cuts sit on ASCII bytes or between two well-formed characters, which end every
            // ill-formed sequence: repairing per chunk equals repairing the whole input.
            let repaired = UTF8Validation.repaired(Array(chunk))
            try repaired.withUnsafeBufferPointer { buffer throws(EncodingError) in
                try tokenizer.encode(validUTF8: buffer, policy: policy, base: base, merger: &merger, into: &output)
            }
            return output
        }
        try tokenizer.encode(validUTF8: chunk, policy: policy, base: base, merger: &merger, into: &output)
        return output
    }
}
