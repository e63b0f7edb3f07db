/// Trains a byte-level BPE vocabulary from word counts, reproducing Hugging Face `BpeTrainer`.
///
/// The loop: take the pair of adjacent tokens with the highest count over all words (weighted by
/// word count), ties to the smaller left id then the smaller right id (ids per ``TiePolicy``);
/// stop at the vocabulary size or when the best count is below the frequency floor; otherwise
/// create the concatenated token and replace every non-overlapping occurrence, left to right.
///
/// With ``TiePolicy/hf``, the merge list equals HF's for the same words (pre-tokenized with the
/// same pattern and fed per document), including merges whose result already is a token.
/// Documented differences from HF:
/// - counts are 64-bit (HF's pair counts are `i32` and overflow past 2³¹ − 1 occurrences);
/// - special tokens never join the mergeable vocabulary. HF gives a special token that is a single
///   byte, or that a merge happens to produce, the special's id (which then sorts first in ties);
///   here specials are a separate table, so all 256 bytes stay mergeable tokens.
///
/// ```swift
/// var counts = WordCounts()
/// counts.add(Array("aaabdaaabac".utf8))
/// let trainer = try BPETrainer(TrainerConfiguration(vocabularySize: 259))
/// let vocabulary = try trainer.train(counts)
/// vocabulary.mergedBytes.map { String(decoding: $0.left + $0.right, as: UTF8.self) }
/// // ["aa", "ab", "aaab"]: (a,a) has count 4; then (aa,a) and (a,b) tie at 2 and 'a' (id 64)
/// // is a smaller left id than "aa" (id 256).
/// ```
public struct BPETrainer: Sendable {
    /// The validated configuration.
    public let configuration: TrainerConfiguration

    /// Validates `configuration`.
    ///
    /// - Throws: ``TrainerError/vocabularyTooSmall(requested:minimum:)`` when there is no room for
    ///   the 256 bytes and the specials, ``TrainerError/vocabularyTooLarge(requested:maximum:)`` beyond 2^32 ids, ``TrainerError/duplicateSpecialToken(bytes:firstIndex:secondIndex:)``,
    ///   ``TrainerError/emptySpecialToken(index:)``, ``TrainerError/maxTokenLengthTooSmall(_:)``.
    public init(_ configuration: TrainerConfiguration) throws(TrainerError) {
        var firstIndexOf: [[UInt8]: Int] = [:]
        for (index, special) in configuration.specialTokens.enumerated() {
            guard !special.isEmpty else { throw .emptySpecialToken(index: index) }
            if let first = firstIndexOf[special] {
                throw .duplicateSpecialToken(bytes: special, firstIndex: first, secondIndex: index)
            }
            firstIndexOf[special] = index
        }
        let minimum = 256 + configuration.specialTokens.count
        guard configuration.vocabularySize >= minimum else {
            throw .vocabularyTooSmall(requested: configuration.vocabularySize, minimum: minimum)
        }
        let maximum = Int(TokenID.max) + 1
        guard configuration.vocabularySize <= maximum else {
            throw .vocabularyTooLarge(requested: configuration.vocabularySize, maximum: maximum)
        }
        if let length = configuration.maxTokenLength, length < 2 { throw .maxTokenLengthTooSmall(length) }
        self.configuration = configuration
    }

    /// Runs the merges on `counts`.
    ///
    /// `counts` is consumed: its memory is released once the words are loaded, before merging, when
    /// the caller passes its last reference (`train(consume counts)`).
    ///
    /// - Parameter progress: called about every 1 % of the target and once at the end, on the
    ///   calling thread.
    /// - Throws: ``TrainerError/emptyCorpus`` when `counts` holds no piece; ``TrainerError/tooManySymbols``
    ///   or ``TrainerError/occurrenceIndexFull`` when the corpus is beyond the engine's 32-bit offsets.
    /// - Complexity: O(n) to load n bytes of distinct pieces, then per merge O(Σ length of the words
    ///   that contained the pair) + O(changed pairs · log H) for H heap entries. Memory ≈ 4n bytes of
    ///   symbols + 4 bytes per (pair, word) incidence + 24 bytes per live pair slot + 16 per heap entry.
    public func train(
        _ counts: consuming WordCounts, progress: ((TrainingProgress) -> Void)? = nil
    ) throws(TrainerError) -> TrainedVocabulary {
        guard counts.distinctCount > 0 else { throw .emptyCorpus }
        let specials = configuration.specialTokens
        let tokenLimit = configuration.vocabularySize - specials.count
        let byteOrder: [UInt8] = switch configuration.tiePolicy {
        case .hf: ByteLevelAlphabet.gpt2Order
        case .bytes: (0...255).map { UInt8($0) }
        }
        var engine = try MergeEngine(
            counts: consume counts, byteOrder: byteOrder, tokenLimit: tokenLimit,
            minFrequency: configuration.minFrequency, maxTokenLength: configuration.maxTokenLength)

        let target = tokenLimit - 256
        let interval = max(1, target / 100)
        var lastCount: UInt64 = 0
        var reported = 0
        // Like HF, the size check counts distinct tokens, so a merge that re-creates an existing
        // token costs no room and training continues.
        while engine.tokenCount < tokenLimit, let best = engine.nextPair() {
            _ = try engine.merge(best.pair)
            lastCount = best.count
            let done = engine.tokenCount - 256
            if let progress, done / interval != reported / interval {
                reported = done
                progress(TrainingProgress(mergesDone: engine.merges.count, tokensTarget: target,
                                          tokensDone: done, lastMergeCount: lastCount))
            }
        }
        progress?(TrainingProgress(mergesDone: engine.merges.count, tokensTarget: target,
                                   tokensDone: engine.tokenCount - 256, lastMergeCount: lastCount))

        let tokens = engine.allTokens()
        let first = TokenID(configuration.specialsFirst ? specials.count : 0)
        let specialBase = configuration.specialsFirst ? 0 : TokenID(tokens.count)
        return TrainedVocabulary(
            tokens: tokens,
            firstTokenID: first,
            merges: engine.merges.map { .init(left: $0.left + first, right: $0.right + first, result: $0.result + first) },
            specialTokens: specials.enumerated().map { .init(bytes: $1, id: specialBase + TokenID($0)) }
        )
    }
}
