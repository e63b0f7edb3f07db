import Dispatch
import Synchronization
import TokkitCore

/// A complete byte-level BPE tokenizer: a pre-tokenizer, a vocabulary and its special tokens.
///
/// Encoding follows tiktoken exactly: split the text with the pattern, then encode each piece with
/// `BytePairMerger` (whole-piece lookup first, then lowest-rank merges, leftmost on ties). Special
/// tokens are found before splitting. Decoding concatenates token bytes.
///
/// ```swift
/// let tokenizer = try Tokenizer(vocabulary: vocabulary, pattern: .gpt2)
/// let ids = try tokenizer.encode("hello world")          // [31373, 995]
/// let text = try tokenizer.decode(ids)                   // "hello world"
/// ```
public struct Tokenizer: Sendable {
    public let vocabulary: Vocabulary
    public let pattern: SplitPattern
    public let preTokenizer: any PreTokenizer
    /// Which hand-written scanner `preTokenizer` is, found once here so that the encoding loop can
    /// call it statically (see `encodeScanned`) without a cast per call.
    private let scanner: ScannerKind

    /// A tokenizer that pre-splits `pattern` with `engine`: by default the hand-written scanner for a
    /// named pattern (many times faster, proven equal to ICU) and ICU for any other.
    public init(vocabulary: Vocabulary, pattern: SplitPattern, engine: RegexEngine = .auto) throws(PreTokenizerError) {
        self.vocabulary = vocabulary
        self.pattern = pattern
        self.preTokenizer = try engine.preTokenizer(for: pattern)
        self.scanner = ScannerKind(of: preTokenizer)
    }

    public init(vocabulary: Vocabulary, pattern: SplitPattern, preTokenizer: any PreTokenizer) {
        self.vocabulary = vocabulary
        self.pattern = pattern
        self.preTokenizer = preTokenizer
        self.scanner = ScannerKind(of: preTokenizer)
    }

    // MARK: Encoding

    /// Encodes text, matching special tokens as tiktoken's `encode` does.
    ///
    /// - Parameters:
    ///   - allowedSpecial: special tokens encoded as their single id where they occur.
    ///   - disallowedSpecial: special tokens whose presence is an error; `.all` means every special
    ///     token that is not allowed (tiktoken's default). Pass `.none` to encode them as plain text.
    public func encode(_ text: String, allowedSpecial: SpecialTokenSet = .none,
                       disallowedSpecial: SpecialTokenSet = .all) throws(EncodingError) -> [TokenID] {
        var text = text
        // `withUTF8` rethrows untyped errors: carry the typed one out in a Result.
        return try text.withUTF8 { buffer in
            Result { () throws(EncodingError) -> [TokenID] in
                try encode(validUTF8: buffer, allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial)
            }
        }.get()
    }

    /// Encodes UTF-8 bytes. Invalid UTF-8 is an error naming the offset, unless `lossy` is set, in
    /// which case every ill-formed sequence is first replaced by U+FFFD.
    public func encode(bytes: [UInt8], allowedSpecial: SpecialTokenSet = .none,
                       disallowedSpecial: SpecialTokenSet = .all, lossy: Bool = false) throws(EncodingError) -> [TokenID] {
        let input = try Self.checkedUTF8(bytes, lossy: lossy)
        return try input.withUnsafeBufferPointer { buffer throws(EncodingError) in
            try encode(validUTF8: buffer, allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial)
        }
    }

    /// Encodes text with special-token strings treated as plain text (tiktoken's `encode_ordinary`).
    public func encodeOrdinary(_ text: String) throws(EncodingError) -> [TokenID] {
        try encode(text, allowedSpecial: .none, disallowedSpecial: .none)
    }

    /// Encodes already-validated UTF-8.
    package func encode(validUTF8 text: UnsafeBufferPointer<UInt8>, allowedSpecial: SpecialTokenSet = .none,
                       disallowedSpecial: SpecialTokenSet = .all) throws(EncodingError) -> [TokenID] {
        var output: [TokenID] = []
        // Room for an id per two bytes: 10 MB of public_multi takes 4.9M gpt2 ids (a third, the reserve
        // before, grew the array once: a copy of every id so far and fresh pages). Capacity not written
        // is never touched, so costs no memory (but the rest of the last huge page).
        output.reserveCapacityInHugePages(text.count / 2 + 1)
        var merger = BytePairMerger()
        try encode(validUTF8: text, allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial,
                   merger: &merger, into: &output)
        return output
    }

    /// Encodes already-validated UTF-8 into `output`, reusing `merger`'s cache and scratch space.
    package func encode(validUTF8 text: UnsafeBufferPointer<UInt8>, allowedSpecial: SpecialTokenSet,
                       disallowedSpecial: SpecialTokenSet, merger: inout BytePairMerger,
                       into output: inout [TokenID]) throws(EncodingError) {
        let policy = SpecialTokenPolicy(vocabulary.specialTokens, allowed: allowedSpecial, disallowed: disallowedSpecial)
        try encode(validUTF8: text, policy: policy, base: 0, merger: &merger, into: &output)
    }

    /// The encoding loop behind every public entry point. `base` is where `text` starts in the
    /// caller's input, for error offsets. Inlined into its callers: one call layer less on a short text
    /// (a Python call on "hi" is about two thousand instructions, each layer a few percent of it).
    @inline(__always)
    func encode(validUTF8 text: UnsafeBufferPointer<UInt8>, policy: SpecialTokenPolicy, base: Int,
                merger: inout BytePairMerger, into output: inout [TokenID]) throws(EncodingError) {
        var failure: EncodingError?
        vocabulary.noteWork(text.count)
        vocabulary.withRankLookup(perCall: { lookup in
            do throws(EncodingError) {
                try encode(validUTF8: text, policy: policy, base: base, lookup: lookup, merger: &merger, into: &output)
            } catch {
                failure = error
            }
        })
        if let failure { throw failure }
    }

    /// The same with the rank table already at hand: a batch of short documents reaches it once, not
    /// once per document (seven nested buffer accesses per call were 5% of encoding a corpus's lines).
    func encode(validUTF8 text: UnsafeBufferPointer<UInt8>, policy: SpecialTokenPolicy, base: Int, lookup: RankLookup,
                merger: inout BytePairMerger, into output: inout [TokenID]) throws(EncodingError) {
        try Self.refuseDisallowed(in: text, policy: policy, base: base)
        guard policy.allowsAny else {
            return try encodeOrdinary(text, base: base, lookup: lookup, merger: &merger, into: &output)
        }
        var start = 0
        while start <= text.count {
            let next = policy.allowed.firstMatch(in: text, from: start)
            let end = next?.start ?? text.count
            try encodeOrdinary(UnsafeBufferPointer(rebasing: text[start..<end]), base: base + start, lookup: lookup,
                               merger: &merger, into: &output)
            guard let next else { break }
            output.append(next.token.id)
            start = next.start + next.token.bytes.count
        }
    }

    /// Throws for the first special token of `text` that `policy` disallows (tiktoken's check before encoding),
    /// at its offset in the caller's input (`text` starts at `base`).
    @inline(__always)
    private static func refuseDisallowed(in text: UnsafeBufferPointer<UInt8>, policy: SpecialTokenPolicy, base: Int) throws(EncodingError) {
        // The matchers are in another module, so an empty one still costs a call: asked only when it
        // holds tokens.
        if policy.refusesAny, let found = policy.disallowed.firstMatch(in: text, from: 0) {
            throw .disallowedSpecialToken(text: found.token.text, offset: base + found.start)
        }
    }

    /// Pre-splits and merges a stretch of text with no special tokens in it.
    func encodeOrdinary(_ text: UnsafeBufferPointer<UInt8>, base: Int, lookup: RankLookup, merger: inout BytePairMerger,
                                into output: inout [TokenID]) throws(EncodingError) {
        guard !text.isEmpty else { return }
        guard scanner != .other else { return try encodeSplitting(text, base: base, lookup: lookup, merger: &merger, into: &output) }
        // One document: the whole text.
        let failed = withUnsafeTemporaryAllocation(of: Int.self, capacity: 2) { whole in
            whole[0] = 0
            whole[1] = text.count
            return encodeScannedDocuments(text, boundaries: UnsafeBufferPointer(whole), lengths: nil, lookup: lookup, merger: &merger, into: &output)
        }
        if let failed { throw unknownByte(in: failed.piece, of: text, base: base) }
    }

    /// Pre-splits and merges documents with no special tokens in them, stored back to back in `text`
    /// (document `k` is `text[boundaries[k] ..< boundaries[k + 1]]`), storing each one's id count at
    /// `lengths + k`.
    ///
    /// Why not an `encodeOrdinary` per document: a corpus line is a few dozen bytes, and per document the
    /// call, the scanner's set-up and the append of its ids to `output` cost about 200 instructions, a
    /// twentieth of encoding the documents (callgrind, `tokkit encode --docs lines`, 10 MB of public_en,
    /// cl100k); a run of documents pays them once.
    /// - Throws: `EncodingError.inDocument(index:_:)`, `index` counted from the first of `boundaries`,
    ///   offsets from that document's start; the ids of the documents before it are appended.
    func encodeOrdinaryDocuments(_ text: UnsafeBufferPointer<UInt8>, boundaries: UnsafeBufferPointer<Int>,
                                 lengths: UnsafeMutablePointer<Int>, lookup: RankLookup, merger: inout BytePairMerger,
                                 into output: inout [TokenID]) throws(EncodingError) {
        func document(_ k: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: text[boundaries[k]..<boundaries[k + 1]]) }
        guard scanner != .other else {
            for k in 0..<max(0, boundaries.count - 1) {
                let before = output.count
                do throws(EncodingError) {
                    try encodeSplitting(document(k), base: 0, lookup: lookup, merger: &merger, into: &output)
                } catch {
                    throw .inDocument(index: k, error)
                }
                lengths[k] = output.count - before
            }
            return
        }
        guard let (k, piece) = encodeScannedDocuments(text, boundaries: boundaries, lengths: lengths, lookup: lookup,
                                                      merger: &merger, into: &output) else { return }
        throw .inDocument(index: k, unknownByte(in: piece, of: document(k), base: 0))
    }

    /// ``encodeScanned(_:_:boundaries:lengths:lookup:merger:into:)`` with this tokenizer's scanner; `nil`
    /// without writing anything for a pre-tokenizer that is not one.
    @inline(__always)
    private func encodeScannedDocuments(_ text: UnsafeBufferPointer<UInt8>, boundaries: UnsafeBufferPointer<Int>,
                                        lengths: UnsafeMutablePointer<Int>?, lookup: RankLookup, merger: inout BytePairMerger,
                                        into output: inout [TokenID]) -> (document: Int, piece: UnsafeBufferPointer<UInt8>)? {
        switch scanner {
        case .gpt2: Self.encodeScanned(GPT2Scanner.self, text, boundaries: boundaries, lengths: lengths, lookup: lookup, merger: &merger, into: &output)
        case .cl100k: Self.encodeScanned(CL100kScanner.self, text, boundaries: boundaries, lengths: lengths, lookup: lookup, merger: &merger, into: &output)
        case .o200k: Self.encodeScanned(O200kScanner.self, text, boundaries: boundaries, lengths: lengths, lookup: lookup, merger: &merger, into: &output)
        case .qwen2: Self.encodeScanned(Qwen2Scanner.self, text, boundaries: boundaries, lengths: lengths, lookup: lookup, merger: &merger, into: &output)
        case .other: nil
        }
    }

    /// Encodes a text of at most `shortTextLimit` bytes under `specials` straight into `ids`, the caller's room for
    /// `text.count` ids, and returns how many it wrote; `nil`, with nothing written, for a text it does not take
    /// (longer, with special tokens to encode as ids, or split by a pre-tokenizer that is not a hand-written scanner).
    /// The same ids and errors as `encode(validUTF8:specials:merger:into:)`.
    ///
    /// Why: a Python call on a two-byte text spent more on the way to the scanner loop than in it. The ids went into
    /// the loop's stack block, were appended to an array and copied from there to the caller, and the 360-byte
    /// `Vocabulary` was copied to reach `withRankLookup` (callgrind, `encode_ordinary("hi")` with cl100k: 947
    /// instructions from the C entry point down, 199 of them the piece loop). Here the piece loop writes into the
    /// caller's memory as into its block: a text no longer than the block never flushes it, and a piece of n bytes
    /// writes at most n ids, so the writes stay within the text's `text.count` slots.
    package func encodeShort(validUTF8 text: UnsafeBufferPointer<UInt8>, specials: PreparedSpecials,
                             merger: inout BytePairMerger, to ids: UnsafeMutablePointer<TokenID>) throws(EncodingError) -> Int? {
        let policy = specials.policy
        guard text.count <= Self.shortTextLimit, !policy.allowsAny else { return nil }
        switch scanner {
        case .gpt2: return try encodeShort(GPT2Scanner.self, text, policy: policy, merger: &merger, to: ids)
        case .cl100k: return try encodeShort(CL100kScanner.self, text, policy: policy, merger: &merger, to: ids)
        case .o200k: return try encodeShort(O200kScanner.self, text, policy: policy, merger: &merger, to: ids)
        case .qwen2: return try encodeShort(Qwen2Scanner.self, text, policy: policy, merger: &merger, to: ids)
        case .other: return nil
        }
    }

    /// The longest text `encodeShort` takes: `encodeScanned`'s block.
    package static var shortTextLimit: Int { blockCapacity }

    /// `encodeShort` with scanner `S`.
    private func encodeShort<S: PieceScanner>(_: S.Type, _ text: UnsafeBufferPointer<UInt8>, policy: SpecialTokenPolicy,
                                              merger: inout BytePairMerger, to ids: UnsafeMutablePointer<TokenID>) throws(EncodingError) -> Int {
        try Self.refuseDisallowed(in: text, policy: policy, base: 0)
        var written = 0
        var failed: UnsafeBufferPointer<UInt8>?
        vocabulary.withRankLookup(perCall: { lookup in
            // Never flushed (see above): nothing is appended to it, and an empty array allocates nothing.
            var unused: [TokenID] = []
            merger.useCache(of: lookup)
            failed = ScannedText.with(text) { whole in
                withUnsafeTemporaryAllocation(of: BytePairMerger.PreparedPiece.self, capacity: PieceQueue.capacity) { ahead in
                    var queue = PieceQueue(block: ids, ahead: ahead.baseAddress!, lengths: nil, firstDocumentStart: 0)
                    let failed = queue.scan(S.self, whole, lookup: lookup, merger: &merger, into: &unused)
                        ?? queue.drain(lookup: lookup, merger: &merger, into: &unused)
                    written = queue.written
                    return failed
                }
            }
        })
        if let failed { throw unknownByte(in: failed, of: text, base: 0) }
        return written
    }

    /// The error for a piece with a byte the vocabulary lacks, naming the byte and its input offset.
    private func unknownByte(in piece: UnsafeBufferPointer<UInt8>, of text: UnsafeBufferPointer<UInt8>, base: Int) -> EncodingError {
        let bad = piece.firstIndex { vocabulary.rank(of: [$0]) == nil } ?? 0
        return .byteNotInVocabulary(byte: piece[bad], offset: base + (piece.baseAddress! - text.baseAddress!) + bad)
    }

    /// The encoding loop for a hand-written scanner, specialised for each: the scanner's rule, the
    /// preparing and the merging are inlined into the piece loops (``PieceQueue``), where going
    /// through `forEachPiece` costs an existential call and a closure call per piece (thunks were ~6%
    /// of encoding one text). Not inlined into its caller, so that each specialisation is a function
    /// of its own.
    ///
    /// The text is one or more documents (`boundaries`, as in ``encodeOrdinaryDocuments(_:boundaries:lengths:lookup:merger:into:)``),
    /// each scanned as a text of its own (``ScannedText/view(_:)``); one text is the one document
    /// `[0, text.count]`. With `lengths`, each document's id count is stored there.
    ///
    /// The ids go into a block on the stack, appended to `output` whenever the next piece might not
    /// fit (a piece of `n` bytes is at most `n` ids): appending each id to the `inout` array cost a
    /// call to the runtime's uniqueness check per id. A piece longer than the block is appended on
    /// its own.
    /// - Returns: the document and its piece that holds a byte the vocabulary lacks (the piece's ids and
    ///   those after it are not appended), or `nil`.
    @inline(never)
    private static func encodeScanned<S: PieceScanner>(_: S.Type, _ text: UnsafeBufferPointer<UInt8>, boundaries: UnsafeBufferPointer<Int>,
                                                       lengths: UnsafeMutablePointer<Int>?, lookup: RankLookup,
                                                       merger: inout BytePairMerger, into output: inout [TokenID])
        -> (document: Int, piece: UnsafeBufferPointer<UInt8>)? {
        ScannedText.with(text) { whole in
            // 1 KB each: `withUnsafeTemporaryAllocation` asks the runtime whether a larger block fits the stack.
            withUnsafeTemporaryAllocation(of: TokenID.self, capacity: blockCapacity) { block in
                withUnsafeTemporaryAllocation(of: BytePairMerger.PreparedPiece.self, capacity: PieceQueue.capacity) { ahead in
                    var queue = PieceQueue(block: block.baseAddress!, ahead: ahead.baseAddress!, lengths: lengths, firstDocumentStart: output.count)
                    // `prepare` in its parts (see `useCache(of:)`).
                    merger.useCache(of: lookup)
                    var failed: UnsafeBufferPointer<UInt8>?
                    for document in 0..<max(0, boundaries.count &- 1) {
                        let scanned = whole.view(boundaries[document]..<boundaries[document &+ 1])
                        failed = queue.scan(S.self, scanned, lookup: lookup, merger: &merger, into: &output)
                        if failed == nil { failed = queue.endDocument(lookup: lookup, merger: &merger, into: &output) }
                        if failed != nil { break }
                    }
                    if failed == nil { failed = queue.drain(lookup: lookup, merger: &merger, into: &output) }
                    output.append(contentsOf: UnsafeBufferPointer(start: block.baseAddress!, count: queue.written))
                    return failed.map { (queue.document, $0) }
                }
            }
        }
    }

    /// The ids of `encodeScanned`'s block on the stack. A constant, not the block's count: as a parameter of
    /// the piece loop it took a register the loop needs (o200k, 10 MB of public_multi: 3.5% more instructions).
    fileprivate static var blockCapacity: Int { 256 }

    /// The encoding loop for any other pre-tokenizer (ICU, or one given by the caller), through
    /// `forEachPiece`.
    private func encodeSplitting(_ text: UnsafeBufferPointer<UInt8>, base: Int, lookup: RankLookup, merger: inout BytePairMerger,
                                 into output: inout [TokenID]) throws(EncodingError) {
        let preTokenizer = self.preTokenizer
        do {
            // One piece in flight: the next piece's table slot loads while this one is encoded.
            var pending: BytePairMerger.PreparedPiece?
            try preTokenizer.forEachPiece(inBuffer: text) { start, end in
                let next = merger.prepare(UnsafeBufferPointer(rebasing: text[start..<end]), with: lookup)
                if let pending, !merger.encode(pending, with: lookup, into: &output) {
                    throw unknownByte(in: pending.piece, of: text, base: base)
                }
                pending = next
            }
            if let pending, !merger.encode(pending, with: lookup, into: &output) {
                throw unknownByte(in: pending.piece, of: text, base: base)
            }
        } catch let error as EncodingError {
            throw error
        } catch let error as PreTokenizerError {
            throw .preTokenizer(error)
        } catch {
            throw .preTokenizer(.matchingFailed(reason: "\(error)"))
        }
    }

    /// Encodes many documents on `threads` threads; the result is in input order and does not
    /// depend on the thread count. The documents are copied back to back and go through
    /// `encodeDocuments`, the one batch loop; prefer that one when the text is already flat.
    public func encodeBatch(_ documents: [[UInt8]], allowedSpecial: SpecialTokenSet = .none,
                            disallowedSpecial: SpecialTokenSet = .all, lossy: Bool = false,
                            threads: Int = defaultThreadCount) throws(EncodingError) -> [[TokenID]] {
        var text: [UInt8] = []
        text.reserveCapacity(documents.reduce(0) { $0 + $1.count })
        var boundaries = [0]
        boundaries.reserveCapacity(documents.count + 1)
        for document in documents {
            // Repaired here so that the batch loop sees UTF-8 only; otherwise it names the bad byte.
            text += lossy ? try Self.checkedUTF8(document, lossy: true) : document
            boundaries.append(text.count)
        }
        let specials = prepareSpecials(allowed: allowedSpecial, disallowed: disallowedSpecial)
        var result = EncodedDocuments()
        try text.withUnsafeBufferPointer { text throws(EncodingError) in
            try boundaries.withUnsafeBufferPointer { boundaries throws(EncodingError) in
                try encodeDocuments(text, boundaries: boundaries, specials: specials, checkUTF8: !lossy, threads: threads, into: &result)
            }
        }
        return result.documents
    }

    /// All cores of the machine.
    public static var defaultThreadCount: Int { Parallelism.processorCount }

    static func checkedUTF8(_ bytes: [UInt8], lossy: Bool) throws(EncodingError) -> [UInt8] {
        guard let offset = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) else { return bytes }
        guard lossy else { throw .invalidUTF8(offset: offset) }
        return UTF8Validation.repaired(bytes)
    }

    // MARK: Decoding

    /// The bytes the ids stand for.
    public func decodeBytes(_ ids: [TokenID]) throws(DecodingError) -> [UInt8] {
        try vocabulary.decodeBytes(ids)
    }

    /// The text the ids stand for; ill-formed UTF-8 (a sequence cut between tokens) becomes U+FFFD.
    public func decode(_ ids: [TokenID]) throws(DecodingError) -> String {
        try vocabulary.decodeText(ids)
    }
}

/// The special-token matchers one encode call needs, built once per call, batch or stream rather
/// than once per document.
struct SpecialTokenPolicy: Sendable {
    /// Matched before splitting and encoded as their ids.
    let allowed: SpecialTokenMatcher
    /// An error wherever they occur.
    let disallowed: SpecialTokenMatcher
    /// Whether `allowed` / `disallowed` hold any token (`encode_ordinary`: neither).
    let allowsAny: Bool
    let refusesAny: Bool

    /// tiktoken's rule: `disallowed: .all` means every special token that is not allowed.
    init(_ specials: [SpecialToken], allowed: SpecialTokenSet, disallowed: SpecialTokenSet) {
        self.allowed = SpecialTokenMatcher(specials.filter { allowed.selects($0) })
        if case .all = disallowed {
            self.disallowed = SpecialTokenMatcher(specials.filter { !allowed.selects($0) })
        } else {
            self.disallowed = SpecialTokenMatcher(specials.filter { disallowed.selects($0) && !allowed.selects($0) })
        }
        allowsAny = !self.allowed.isEmpty
        refusesAny = !self.disallowed.isEmpty
    }
}

/// The piece loop of the hand-written scanners (`Tokenizer.encodeScanned`): pieces are scanned, hashed and
/// their table slots sent for up to `capacity` ahead of their lookups, then looked up and written in order
/// into the caller's block of ids, a document's end marking its place among them.
///
/// Why ahead: on real text a rarer piece's rank-table slot is a cache miss all the way to memory (the
/// tables are megabytes, pieces arrive in no order); with one piece ahead, as before, most of that wait
/// was still to come at the lookup (a quarter of the loop's samples sat on that load, 10 MB of public_en
/// with cl100k). 32 ahead, `TokkitBench encode`, cold, paired A/B against one ahead: en cl100k 1.065,
/// multi cl100k 1.071, multi o200k 1.089, en gpt2 1.011 (its table is half as large); 16 ahead was 0.973
/// of 32, 64 the same as 32. Documents share the queue: one loop for one text and for a batch, at the
/// speed of a queue per document.
///
/// Tried and dropped (`bench/RESULTS.md`, "Session 31"): a second pass that sends for the bytes of pieces
/// over eight bytes once their slots are in (0.958, or 0.980 eight pieces ahead inside the drain), and
/// no piece-cache prefetch (0.992).
struct PieceQueue {
    static var capacity: Int { 32 }

    /// The caller's block: room for `Tokenizer.blockCapacity` ids (or, for a short text, one per byte).
    let block: UnsafeMutablePointer<TokenID>
    /// The pieces scanned and not yet looked up; an empty one marks the end of a document.
    let ahead: UnsafeMutablePointer<BytePairMerger.PreparedPiece>
    /// Each document's id count, when the caller wants them.
    let lengths: UnsafeMutablePointer<Int>?
    /// Pieces and document ends in `ahead`.
    private(set) var queued = 0
    /// Ids in `block`.
    private(set) var written = 0
    /// The first document whose ids are not all written, and the ids before it (`output`'s and the block's).
    private(set) var document = 0
    private var documentStart: Int

    init(block: UnsafeMutablePointer<TokenID>, ahead: UnsafeMutablePointer<BytePairMerger.PreparedPiece>,
         lengths: UnsafeMutablePointer<Int>?, firstDocumentStart: Int) {
        self.block = block
        self.ahead = ahead
        self.lengths = lengths
        self.documentStart = firstDocumentStart
    }

    /// Queues the pieces of `scanned`, looking up and writing the queue whenever it is full.
    /// - Returns: the piece that holds a byte the vocabulary lacks, or `nil`.
    @inline(__always)
    mutating func scan<S: PieceScanner>(_: S.Type, _ scanned: ScannedText, lookup: RankLookup, merger: inout BytePairMerger,
                                        into output: inout [TokenID]) -> UnsafeBufferPointer<UInt8>? {
        let bytes = scanned.bytes
        var failed: UnsafeBufferPointer<UInt8>?
        _ = S.scanPieces(scanned) { start, end in
            let next = BytePairMerger.PreparedPiece(hashing: UnsafeBufferPointer(start: bytes + start, count: end &- start))
            merger.startLoading(next, with: lookup)
            (ahead + queued).initialize(to: next)
            queued &+= 1
            if queued == Self.capacity { failed = drain(lookup: lookup, merger: &merger, into: &output) }
            return failed == nil
        }
        return failed
    }

    /// Marks the end of the document whose pieces were queued last.
    @inline(__always)
    mutating func endDocument(lookup: RankLookup, merger: inout BytePairMerger, into output: inout [TokenID]) -> UnsafeBufferPointer<UInt8>? {
        (ahead + queued).initialize(to: BytePairMerger.PreparedPiece(hashing: UnsafeBufferPointer(start: nil, count: 0)))
        queued &+= 1
        return queued == Self.capacity ? drain(lookup: lookup, merger: &merger, into: &output) : nil
    }

    /// Looks up the queued pieces in order and writes their ids after those in the block, the block appended to
    /// `output` whenever the next piece might not fit; a document's end records its id count.
    /// - Returns: the piece that holds a byte the vocabulary lacks (its ids and those of the pieces after it
    ///   are not written), or `nil`.
    @inline(never)
    mutating func drain(lookup: RankLookup, merger: inout BytePairMerger, into output: inout [TokenID]) -> UnsafeBufferPointer<UInt8>? {
        var count = written
        defer {
            written = count
            queued = 0
        }
        let ids = block
        /// Writes the ids of `piece` after those in the block; `false` when a byte is no token.
        @inline(__always) func emit(_ piece: BytePairMerger.PreparedPiece) -> Bool {
            if count &+ piece.piece.count > Tokenizer.blockCapacity {
                output.append(contentsOf: UnsafeBufferPointer(start: ids, count: count))
                count = 0
                if piece.piece.count > Tokenizer.blockCapacity { return merger.encode(piece, with: lookup, into: &output) }
            }
            guard let made = merger.encode(piece, with: lookup, to: ids + count) else { return false }
            count &+= made
            return true
        }
        var k = 0
        while k < queued {
            let piece = ahead[k]
            if piece.piece.isEmpty {
                let total = output.count &+ count
                lengths?[document] = total &- documentStart
                documentStart = total
                document &+= 1
            } else if !emit(piece) {
                return piece.piece
            }
            k &+= 1
        }
        return nil
    }
}
