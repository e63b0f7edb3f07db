/// What `tokkit inspect` reports about a vocabulary beyond its size and specials.
public struct VocabularyProfile: Sendable, Equatable {
    /// How many of the 256 byte values are one-byte tokens: with all 256, any input can be encoded.
    public var byteCoverage: Int
    /// The longest tokens, longest first, ties by id.
    public var longest: [LongToken]
    /// `tokenLengths[n]` tokens have n bytes, for n in 1…7; `tokenLengths[8]` counts 8 bytes or more
    /// (index 0 counts the empty entries of rank gaps).
    public var tokenLengths: [Int]

    public struct LongToken: Sendable, Equatable {
        public var id: TokenID
        public var bytes: [UInt8]
    }
}

extension Vocabulary {
    /// The byte coverage, the `longest` longest tokens and the token length histogram.
    /// - Complexity: O(n log n) in the number of tokens (the sort for the longest).
    public func profile(longest: Int) -> VocabularyProfile {
        let tokens = tokensByRank
        let covered = (0..<256).filter { rank(of: [UInt8($0)]) != nil }.count
        let ordered = tokens.indices.sorted { tokens[$0].count != tokens[$1].count ? tokens[$0].count > tokens[$1].count : $0 < $1 }
        var lengths = [Int](repeating: 0, count: 9)
        for token in tokens { lengths[min(token.count, 8)] += 1 }
        return VocabularyProfile(byteCoverage: covered,
                                 longest: ordered.prefix(max(0, longest)).map { .init(id: firstRank + TokenID($0), bytes: tokens[$0]) },
                                 tokenLengths: lengths)
    }
}
