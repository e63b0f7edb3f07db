extension Vocabulary {
    /// A merge: the two tokens whose concatenation made a token, by rank.
    public struct Merge: Sendable, Hashable {
        public var left: TokenID
        public var right: TokenID
        public init(left: TokenID, right: TokenID) {
            self.left = left
            self.right = right
        }
    }

    /// The merge list that reproduces this vocabulary, one merge per multi-byte token, in rank order.
    ///
    /// A token's merge is found by encoding its own bytes with only the lower ranks: a vocabulary built
    /// by BPE always yields exactly two parts, which are the merge (the method of the tiktoken →
    /// Hugging Face converters). Files that store merges (`tokenizer.json`, `vocab.bpe`) need this.
    ///
    /// - Returns: `nil` with the rank of the first token that is not the merge of two lower-ranked
    ///   tokens (the vocabulary is then not a BPE vocabulary and has no merge list).
    /// - Complexity: O(Σ L²) over token lengths L.
    public func derivedMerges() -> Result<[Merge], UnmergeableToken> {
        var merges: [Merge] = []
        merges.reserveCapacity(max(0, mergeableCount - 256))
        var parts: [Int] = []
        for index in 0..<table.count {
            let rank = firstRank + TokenID(index)
            let token = Array(table.bytes(at: index))
            guard token.count > 1 else { continue }
            let split = token.withUnsafeBufferPointer { bytes -> (TokenID, TokenID)? in
                // Plain rescanning merge restricted to ranks below `rank`.
                parts = Array(0...bytes.count)
                func partRank(_ i: Int) -> TokenID {
                    guard i + 2 < parts.count else { return .max }
                    let found = self.rank(of: UnsafeBufferPointer(rebasing: bytes[parts[i]..<parts[i + 2]])) ?? .max
                    return found < rank ? found : .max
                }
                while parts.count > 3 {
                    var best = (rank: TokenID.max, index: -1)
                    for i in 0..<(parts.count - 2) {
                        let candidate = partRank(i)
                        if candidate < best.rank { best = (candidate, i) }
                    }
                    if best.index < 0 { return nil }
                    parts.remove(at: best.index + 1)
                }
                guard parts.count == 3,
                      let left = self.rank(of: UnsafeBufferPointer(rebasing: bytes[parts[0]..<parts[1]])),
                      let right = self.rank(of: UnsafeBufferPointer(rebasing: bytes[parts[1]..<parts[2]])),
                      left < rank, right < rank else { return nil }
                return (left, right)
            }
            guard let split else { return .failure(UnmergeableToken(rank: rank)) }
            merges.append(Merge(left: split.0, right: split.1))
        }
        return .success(merges)
    }

    /// A token that is not the merge of two lower-ranked tokens.
    public struct UnmergeableToken: Error, Equatable, Sendable, CustomStringConvertible {
        public var rank: TokenID
        public var description: String {
            "token of rank \(rank) is not the merge of two lower-ranked tokens, so the vocabulary has no BPE merge list"
        }
    }
}
