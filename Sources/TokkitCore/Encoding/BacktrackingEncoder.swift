/// The `bpe` crate's backtracking encoder (GitHub's rust-gems), for pieces that are no token: the longest token at
/// each position, each adjacent pair checked against the vocabulary's merge tree (`isValidPair`), shorter prefixes of
/// a token tried where a check fails, and positions that cannot end a token marked and backed over.
///
/// Work in progress (branch bt35, session 34): the tables are built in memory from the rank table and the longest
/// match probes the rank table length by length, so this is not yet faster than `BytePairMerger`; what it settles is
/// the algorithm's exactness in Swift (`BacktrackingEncoderTests` against the merger). What a fast version needs: a
/// trie for the longest match, the tables in the rank-table cache, a memo of checked pairs (bench/RESULTS.md,
/// "Session 34"; `scripts/research/backtracking_exactness.py` is the same algorithm in Python against tiktoken).
package struct BacktrackingTables: Sendable {
    /// Per token index: `left << 32 | right`, the two tokens (indices) the token is merged from in BPE, or
    /// `index << 32 | index` for a token no pair makes (the single bytes; a rank left unused).
    package var split: [UInt64]
    /// Per token index: the longest token that is a proper prefix of it, or `UInt32.max`.
    package var nextPrefix: [UInt32]
    /// The canonical pairs only: `left << 32 | right` → the token they merge into.
    package var pairs: [UInt64: UInt32]
    /// The longest token's length in bytes.
    let maxTokenLength: Int
    /// Per first two bytes (`b0 << 8 | b1`): the longest token that starts with them, in bytes (at most 255); where the
    /// longest match starts its probes.
    let longestFrom: [UInt8]

    /// Builds the tables as the crate does: each token in rank order takes the longest prefix token whose rest is a
    /// token, both of lower rank, whose pair passes `isValidPair` over the pairs taken so far.
    package init(_ vocabulary: Vocabulary) {
        let table = vocabulary.table
        let count = table.count
        var nextPrefix = [UInt32](repeating: .max, count: count)
        var maxLength = 0
        var longestFrom = [UInt8](repeating: 1, count: 1 << 16)
        table.withView { view in
            for index in 0..<count {
                let start = Int(table.offsets[index]), length = Int(table.offsets[index + 1]) - start
                maxLength = max(maxLength, length)
                guard length >= 2 else { continue }
                let token = view.arena + start
                let first = Int(token[0]) << 8 | Int(token[1])
                longestFrom[first] = max(longestFrom[first], UInt8(min(length, 255)))
                for prefix in stride(from: length - 1, through: 1, by: -1) {
                    let found = view.index(of: token, count: prefix, hash: ByteHash.hash(token, count: prefix))
                    if found >= 0 {
                        nextPrefix[index] = UInt32(found)
                        break
                    }
                }
            }
        }
        var split = (0..<count).map { UInt64($0) << 32 | UInt64($0) }
        var pairs: [UInt64: UInt32] = [:]
        table.withView { view in
            for index in 0..<count {
                let start = Int(table.offsets[index]), length = Int(table.offsets[index + 1]) - start
                guard length >= 2 else { continue }
                var left = nextPrefix[index]
                while left != .max {
                    let leftLength = Int(table.offsets[Int(left) + 1]) - Int(table.offsets[Int(left)])
                    let rest = view.arena + start + leftLength
                    let right = view.index(of: rest, count: length - leftLength, hash: ByteHash.hash(rest, count: length - leftLength))
                    if right >= 0, Int(left) < index, right < index,
                       Self.isValidPair(Int(left), right, split: split, pairs: pairs) {
                        pairs[UInt64(left) << 32 | UInt64(right)] = UInt32(index)
                        split[index] = UInt64(left) << 32 | UInt64(right)
                        break
                    }
                    left = nextPrefix[Int(left)]
                }
            }
        }
        self.split = split
        self.nextPrefix = nextPrefix
        self.pairs = pairs
        self.maxTokenLength = maxLength
        self.longestFrom = longestFrom
    }

    /// Whether BPE leaves tokens `first` and `second` side by side: both merge trees are walked back from the
    /// boundary, and the pair fails when some pair across it merges before the tokens on either side were made.
    static func isValidPair(_ first: Int, _ second: Int, split: [UInt64], pairs: [UInt64: UInt32]) -> Bool {
        var left = first, right = second
        var limit = Int.max
        while true {
            if let merged = pairs[UInt64(left) << 32 | UInt64(right)], Int(merged) < limit { return false }
            if left > right {
                limit = left
                left = Int(split[left] & 0xFFFF_FFFF)
                if left == limit {
                    limit = right + 1
                    right = Int(split[right] >> 32)
                    if right + 1 == limit { return true }
                }
            } else {
                limit = right + 1
                right = Int(split[right] >> 32)
                if right + 1 == limit {
                    limit = left
                    left = Int(split[left] & 0xFFFF_FFFF)
                    if left == limit { return true }
                }
            }
        }
    }

    /// The ranks of `piece`, or `nil` when some byte of it is no token.
    package func encode(_ piece: UnsafeBufferPointer<UInt8>, _ vocabulary: Vocabulary) -> [TokenID]? {
        guard let base = piece.baseAddress, !piece.isEmpty else { return [] }
        let table = vocabulary.table
        return table.withView { view -> [TokenID]? in
            func length(_ index: Int) -> Int { Int(table.offsets[index + 1]) - Int(table.offsets[index]) }
            // The longest token that starts at `position`, or nil.
            func longest(at position: Int) -> Int? {
                let remaining = piece.count - position
                let bound = remaining >= 2 ? Int(longestFrom[Int(base[position]) << 8 | Int(base[position + 1])]) : 1
                for count in stride(from: min(remaining, bound), through: 1, by: -1) {
                    let found = view.index(of: base + position, count: count, hash: ByteHash.hash(base + position, count: count))
                    if found >= 0 { return found }
                }
                return nil
            }
            var canEnd = [Bool](repeating: true, count: piece.count + 1)
            var tokens: [Int] = []
            var position = 0
            var following = longest(at: 0)
            guard following != nil else { return nil }
            while let candidate = following {
                var token = candidate
                let last = tokens.last
                while true {
                    let end = position + length(token)
                    if canEnd[end], last.map({ Self.isValidPair($0, token, split: split, pairs: pairs) }) ?? true {
                        tokens.append(token)
                        position = end
                        following = position < piece.count ? longest(at: position) : nil
                        if position < piece.count && following == nil { return nil }
                        break
                    }
                    if nextPrefix[token] != .max {
                        token = Int(nextPrefix[token])
                        continue
                    }
                    canEnd[position] = false
                    if let last {
                        tokens.removeLast()
                        position -= length(last)
                    }
                    following = last
                    break
                }
            }
            return tokens.map { vocabulary.firstRank + TokenID($0) }
        }
    }
}
