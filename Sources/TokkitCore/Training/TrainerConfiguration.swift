/// How ties between pairs of equal count are broken, i.e. which numbering of the 256 byte tokens
/// the "smaller id wins" rule sees.
public enum TiePolicy: String, Sendable, CaseIterable {
    /// Hugging Face `BpeTrainer`, bit for bit: byte tokens numbered in GPT-2's byte-character order
    /// (`ByteLevelAlphabet.gpt2Order`: `!` = 0 … space = 220), so the single-byte ids equal GPT-2's
    /// `encoder.json` ranks and tiktoken's rank order.
    case hf
    /// karpathy/rustbpe: byte token id = byte value. Diverges from `hf` as soon as a tie involves a
    /// byte whose GPT-2 position differs from its value (space, newline, controls, 0x7F–0xA0, 0xAD).
    case bytes
}

/// What to train: size, frequency floor, special tokens and tie policy.
public struct TrainerConfiguration: Sendable {
    /// Total vocabulary size, counting the 256 byte tokens and the special tokens (HF's `vocab_size`).
    /// Training stops earlier when no pair is left to merge (or none reaches ``minFrequency``).
    public var vocabularySize: Int
    /// A pair is merged only when its count is at least this (inclusive, like HF's `min_frequency`);
    /// 0 and 1 both mean "no limit".
    public var minFrequency: UInt64
    /// Special tokens, in id order. They never take part in merging and are not removed from the
    /// training text (like HF's trainer `special_tokens`; strip them before counting if you want
    /// otherwise).
    public var specialTokens: [[UInt8]]
    /// `false` (default, GPT-2 style): specials follow the mergeable tokens (`<|endoftext|>` = 50256
    /// for a 50257 vocabulary); if training stops early, they follow the last token, so ids have
    /// no holes. `true` (HF's order): specials take ids `0..<k` and every mergeable
    /// token shifts by `k`. The merges themselves are the same either way.
    public var specialsFirst: Bool
    /// The longest token, in bytes, a merge may create; `nil` = unlimited. Must be at least 2.
    ///
    /// Mapping to HF: pass `max_token_length = maxTokenLength + 1`. HF counts a pair created by a
    /// merge only if its merged length is *strictly less* than `max_token_length`, counted in
    /// characters (= bytes for byte-level); pairs of two single bytes are always counted. So HF's
    /// longest token is `max_token_length − 1`, and HF cannot express a limit of 1 (we reject it).
    public var maxTokenLength: Int?
    /// How equal counts are ordered (see ``TiePolicy``).
    public var tiePolicy: TiePolicy

    /// A configuration; only `vocabularySize` is required.
    public init(
        vocabularySize: Int,
        minFrequency: UInt64 = 0,
        specialTokens: [[UInt8]] = [],
        specialsFirst: Bool = false,
        maxTokenLength: Int? = nil,
        tiePolicy: TiePolicy = .hf
    ) {
        self.vocabularySize = vocabularySize
        self.minFrequency = minFrequency
        self.specialTokens = specialTokens
        self.specialsFirst = specialsFirst
        self.maxTokenLength = maxTokenLength
        self.tiePolicy = tiePolicy
    }
}
