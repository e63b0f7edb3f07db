import TokkitCore

/// The numbers reported for one tokenizer on one file, or on all files together.
///
/// Ratios are `nil` where their denominator is zero (an empty file has no bytes per token).
public struct TokenMetrics: Sendable, Equatable {
    /// The size of the text encoded.
    public var text: TextMeasure
    /// How many ids the encoder produced.
    public var tokens: Int
    /// How many different ids occur among them.
    public var distinctIDs: Int
    /// The tokenizer's id count (`Vocabulary.size`: mergeable tokens and special tokens).
    public var vocabularySize: Int
    /// The longest token used, by bytes (the lower id on a tie).
    public var longestToken: LongestToken?
    /// Files whose ids decode back to exactly their bytes, out of the files checked.
    public var roundTripsPassed: Int
    public var roundTripsChecked: Int
    /// Seconds one encode of the text takes, when timed.
    public var encodeSeconds: Double?

    public init(text: TextMeasure, tokens: Int, distinctIDs: Int, vocabularySize: Int, longestToken: LongestToken?,
                roundTripsPassed: Int, roundTripsChecked: Int, encodeSeconds: Double?) {
        self.text = text
        self.tokens = tokens
        self.distinctIDs = distinctIDs
        self.vocabularySize = vocabularySize
        self.longestToken = longestToken
        self.roundTripsPassed = roundTripsPassed
        self.roundTripsChecked = roundTripsChecked
        self.encodeSeconds = encodeSeconds
    }

    /// UTF-8 bytes per token: the compression ratio (higher packs more text into a context).
    public var bytesPerToken: Double? { ratio(text.bytes, tokens) }
    /// Unicode scalars per token.
    public var charactersPerToken: Double? { ratio(text.characters, tokens) }
    /// Tokens per word ("fertility"; 1.0 means one token per word, lower is not possible per word).
    public var tokensPerWord: Double? { ratio(tokens, text.words) }
    /// The share of the vocabulary's ids that the text used, from 0 to 1.
    public var vocabularyShare: Double? { ratio(distinctIDs, vocabularySize) }
    /// Encoding speed in megabytes (10^6 bytes) of UTF-8 input per second.
    public var megabytesPerSecond: Double? {
        guard let encodeSeconds, encodeSeconds > 0 else { return nil }
        return Double(text.bytes) / encodeSeconds / 1_000_000
    }

    private func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
        denominator == 0 ? nil : Double(numerator) / Double(denominator)
    }
}

/// A token and its bytes.
public struct LongestToken: Sendable, Hashable {
    public var id: TokenID
    public var bytes: [UInt8]

    public init(id: TokenID, bytes: [UInt8]) {
        self.id = id
        self.bytes = bytes
    }

    /// The longer of two tokens; the lower id when they are as long.
    static func longer(_ left: LongestToken?, _ right: LongestToken?) -> LongestToken? {
        guard let left else { return right }
        guard let right else { return left }
        if left.bytes.count != right.bytes.count { return left.bytes.count > right.bytes.count ? left : right }
        return left.id <= right.id ? left : right
    }
}
