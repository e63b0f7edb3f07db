/// The result of training: mergeable tokens (rank = id), the merge list, and the special tokens.
///
/// Every byte string in ``tokens`` is unique, so a tiktoken file can be written with rank = id.
/// If a merge produced bytes that already are a token (HF's "merge result can be an existing
/// token", PR #286), the merge is still recorded, with ``Merge/result`` pointing at the existing
/// token, and no token is added — what HF does. In HF that case comes from special tokens folded
/// into the vocabulary, which tokkit keeps apart; without them we have not seen it happen (no case
/// in 200 000 random small corpora, nor in 32 512 merges of real text), but the trainer checks
/// every merge rather than rely on that.
public struct TrainedVocabulary: Sendable, Equatable {
    /// One step of training: `left` and `right` adjacent tokens became `result`.
    public struct Merge: Sendable, Hashable {
        public var left: TokenID
        public var right: TokenID
        /// Usually the next new id; an older id when the merged bytes already existed.
        public var result: TokenID

        public init(left: TokenID, right: TokenID, result: TokenID) {
            self.left = left
            self.right = right
            self.result = result
        }
    }

    /// Mergeable tokens in id order; token `i` has id `firstTokenID + i`. The first 256 are the
    /// single bytes (in GPT-2 order with ``TiePolicy/hf``, in byte order with ``TiePolicy/bytes``).
    public var tokens: [[UInt8]]
    /// The id of `tokens[0]`: 0, or the number of special tokens when they come first.
    public var firstTokenID: TokenID
    /// The merges in creation order (ids include ``firstTokenID``).
    public var merges: [Merge]
    /// The special tokens, in the configured order.
    public var specialTokens: [SpecialToken]

    public init(tokens: [[UInt8]], firstTokenID: TokenID, merges: [Merge], specialTokens: [SpecialToken]) {
        self.tokens = tokens
        self.firstTokenID = firstTokenID
        self.merges = merges
        self.specialTokens = specialTokens
    }

    /// The bytes of a mergeable token id, or `nil` for a special or unknown id.
    public func bytes(of id: TokenID) -> [UInt8]? {
        guard id >= firstTokenID else { return nil }
        let index = Int(id - firstTokenID)
        return index < tokens.count ? tokens[index] : nil
    }

    /// The merges as pairs of byte strings (what parity tests compare against HF).
    public var mergedBytes: [(left: [UInt8], right: [UInt8])] {
        merges.map { (bytes(of: $0.left) ?? [], bytes(of: $0.right) ?? []) }
    }
}

extension TrainedVocabulary {
    /// The trained tokens as a `Vocabulary`, special tokens included: what the file writers and the
    /// encoder take.
    ///
    /// - Throws: `VocabularyError` only if the trainer broke its own invariants (two equal tokens).
    public func vocabulary() throws(VocabularyError) -> Vocabulary {
        try Vocabulary(tokens: tokens, firstRank: firstTokenID, specialTokens: specialTokens)
    }

    /// The merges as the vocabulary files record them (pairs of ids, in creation order).
    public var vocabularyMerges: [Vocabulary.Merge] {
        merges.map { Vocabulary.Merge(left: $0.left, right: $0.right) }
    }
}
