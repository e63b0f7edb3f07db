import Glibc
/// The `bpe` crate's backtracking encoder (GitHub's rust-gems), for pieces that are no token: the longest token at
/// each position, each adjacent pair checked against the vocabulary's merge trees (`isValidPair`), shorter prefixes of
/// a token tried where a check fails, and positions that cannot end a token marked and backed over.
///
/// Work in progress (branch bt35): tables built in memory.
package struct BacktrackingTables: Sendable {
    /// Per token index: `left << 32 | right`, the ranks of the two tokens tiktoken's rule merges last when it encodes
    /// the token's bytes alone, or `rank << 32 | rank` for a single byte.
    package var split: [UInt64]
    /// Per token index: the rank of the longest token that is a proper prefix of it (`0xFF_FFFF` when none) in the
    /// low 24 bits, the token's length (at most 255) above.
    package var prefixAndLength: [UInt32]
    /// Trie nodes: `firstChild | childCount << 32 | (rank + 1) << 41`; children are contiguous and sorted by label.
    package var nodes: [UInt64]
    package var labels: [UInt8]
    /// Per first two bytes: the trie node they lead to, or 0.
    package var root2: [UInt32]
    /// Tokens whose bytes, encoded alone by tiktoken's rule, do not give the token back (the encoder must not be used
    /// when this is not 0).
    package var inconsistentTokens = 0

    nonisolated(unsafe) static let memoBits = (mask: (1 << (Int(getenv("BT_MEMO_BITS").map { String(cString: $0) } ?? "14") ?? 14)) - 1, 0)
    nonisolated(unsafe) static let memoStorage: UnsafeMutablePointer<UInt64> = {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: memoBits.mask + 1)
        p.initialize(repeating: 0, count: memoBits.mask + 1)
        return p
    }()

    package init(_ vocabulary: Vocabulary) {
        let table = vocabulary.table
        let count = table.count
        let firstRank = vocabulary.firstRank
        func length(_ index: Int) -> Int { Int(table.offsets[index + 1]) - Int(table.offsets[index]) }
        var prefixAndLength = [UInt32](repeating: 0xFF_FFFF, count: count)
        var split = [UInt64](repeating: 0, count: count)
        var inconsistent = 0
        // Sorted token indices, for the trie and for the longest proper prefix.
        let order: [Int] = table.withView { view in
            (0..<count).filter { length($0) > 0 }.sorted { a, b in
                let pa = view.arena + Int(table.offsets[a]), pb = view.arena + Int(table.offsets[b])
                let la = length(a), lb = length(b)
                for i in 0..<min(la, lb) where pa[i] != pb[i] { return pa[i] < pb[i] }
                return la < lb
            }
        }
        vocabulary.withRankLookup { lookup in
            table.withView { view in
                for index in 0..<count {
                    let n = length(index)
                    prefixAndLength[index] |= UInt32(min(n, 255)) << 24
                    let rank = firstRank + TokenID(index)
                    guard n >= 2 else { split[index] = UInt64(rank) << 32 | UInt64(rank); continue }
                    let token = view.arena + Int(table.offsets[index])
                    for prefix in stride(from: n - 1, through: 1, by: -1) {
                        let found = view.index(of: token, count: prefix, hash: ByteHash.hash(token, count: prefix))
                        if found >= 0 {
                            prefixAndLength[index] = prefixAndLength[index] & 0xFF00_0000 | (firstRank + TokenID(found))
                            break
                        }
                    }
                    // tiktoken's rule on the token alone, remembering the last merge.
                    var parts = (0..<n).map { lookup.singleByteRank[Int(token[$0])] }
                    var last: UInt64 = 0
                    while parts.count > 1 {
                        var best = TokenID.max, at = -1
                        for i in 0..<(parts.count - 1) {
                            let m = lookup.merged(parts[i], parts[i + 1])
                            if m < best { best = m; at = i }
                        }
                        if at < 0 { break }
                        last = UInt64(parts[at]) << 32 | UInt64(parts[at + 1])
                        parts[at] = best
                        parts.remove(at: at + 1)
                    }
                    if parts == [rank] { split[index] = last } else { inconsistent += 1; split[index] = UInt64(rank) << 32 | UInt64(rank) }
                }
            }
        }
        // The trie, breadth first: `order[lo..<hi]` share their first `depth` bytes.
        var nodes: [UInt64] = [0]
        var labels: [UInt8] = [0]
        var queue: [(lo: Int, hi: Int, depth: Int, node: Int)] = [(0, order.count, 0, 0)]
        var head = 0
        table.withView { view in
            func byte(_ index: Int, _ depth: Int) -> UInt8 { view.arena[Int(table.offsets[index]) + depth] }
            while head < queue.count {
                var (lo, hi, depth, node) = queue[head]
                head += 1
                if lo < hi && length(order[lo]) == depth {
                    nodes[node] |= UInt64(firstRank + TokenID(order[lo]) + 1) << 41
                    lo += 1
                }
                let firstChild = nodes.count
                var children = 0
                var start = lo
                while start < hi {
                    let label = byte(order[start], depth)
                    var end = start + 1
                    while end < hi && byte(order[end], depth) == label { end += 1 }
                    nodes.append(0)
                    labels.append(label)
                    queue.append((start, end, depth + 1, nodes.count - 1))
                    children += 1
                    start = end
                }
                nodes[node] |= UInt64(firstChild) | UInt64(children) << 32
            }
        }
        var root2 = [UInt32](repeating: 0, count: 1 << 16)
        func child(_ node: Int, _ label: UInt8) -> Int {
            let first = Int(nodes[node] & 0xFFFF_FFFF), n = Int(nodes[node] >> 32 & 0x1FF)
            for c in first..<(first + n) where labels[c] == label { return c }
            return 0
        }
        for b0 in 0..<256 {
            let c0 = child(0, UInt8(b0))
            guard c0 != 0 else { continue }
            for b1 in 0..<256 { root2[b0 << 8 | b1] = UInt32(child(c0, UInt8(b1))) }
        }
        self.split = split
        self.prefixAndLength = prefixAndLength
        self.nodes = nodes
        self.labels = labels
        self.root2 = root2
        self.inconsistentTokens = inconsistent
    }

    package func encode(_ piece: UnsafeBufferPointer<UInt8>, _ vocabulary: Vocabulary) -> [TokenID]? {
        guard let base = piece.baseAddress, !piece.isEmpty, piece.count < 128 else { return nil }
        return vocabulary.withRankLookup { lookup in
            withView { view in
                withUnsafeTemporaryAllocation(of: TokenID.self, capacity: piece.count) { out in
                    guard let n = view.encode(base, piece.count, lookup, out.baseAddress!) else { return nil }
                    return Array(out[..<n])
                }
            }
        }
    }

    package func withView<R>(_ body: (View) -> R) -> R {
        split.withUnsafeBufferPointer { split in
            prefixAndLength.withUnsafeBufferPointer { prefixAndLength in
                nodes.withUnsafeBufferPointer { nodes in
                    labels.withUnsafeBufferPointer { labels in
                        root2.withUnsafeBufferPointer { root2 in
                            body(View(split: split.baseAddress!, prefixAndLength: prefixAndLength.baseAddress!,
                                      nodes: nodes.baseAddress!, labels: labels.baseAddress!, root2: root2.baseAddress!))
                        }
                    }
                }
            }
        }
    }

    package struct View {
        let split: UnsafePointer<UInt64>
        let prefixAndLength: UnsafePointer<UInt32>
        let nodes: UnsafePointer<UInt64>
        let labels: UnsafePointer<UInt8>
        let root2: UnsafePointer<UInt32>
        package var memo: UnsafeMutablePointer<UInt64> = BacktrackingTables.memoStorage
        package var memoMask = BacktrackingTables.memoBits.mask

        /// Whether BPE leaves tokens `first` and `second` side by side: both merge trees are walked back from the
        /// boundary, and the pair fails when some pair across it merges before the tokens on either side were made.
        @inline(__always)
        func isValidPair(_ first: TokenID, _ second: TokenID, _ lookup: RankLookup) -> Bool {
            let key = UInt64(first) << 21 | UInt64(second) | 1 << 62
            let slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & memoMask
            let entry = memo[slot]
            if entry & ~(1 << 63) == key { return entry >> 63 != 0 }
            let valid = checkPair(first, second, lookup)
            memo[slot] = key | (valid ? 1 << 63 : 0)
            return valid
        }

        @inline(__always)
        func checkPair(_ first: TokenID, _ second: TokenID, _ lookup: RankLookup) -> Bool {
            let firstRank = lookup.firstRank
            var left = first, right = second
            var limit = TokenID.max
            while true {
                let merged = lookup.merged(left, right)
                if merged < limit { return false }
                if left > right {
                    limit = left
                    left = TokenID(truncatingIfNeeded: split[Int(left &- firstRank)])
                    if left == limit {
                        limit = right &+ 1
                        right = TokenID(truncatingIfNeeded: split[Int(right &- firstRank)] >> 32)
                        if right &+ 1 == limit { return true }
                    }
                } else {
                    limit = right &+ 1
                    right = TokenID(truncatingIfNeeded: split[Int(right &- firstRank)] >> 32)
                    if right &+ 1 == limit {
                        limit = left
                        left = TokenID(truncatingIfNeeded: split[Int(left &- firstRank)])
                        if left == limit { return true }
                    }
                }
            }
        }

        /// The longest token at `bytes[0..<remaining]`: its rank and length, or rank `.max` when the first byte is no
        /// token.
        @inline(__always)
        func longest(_ bytes: UnsafePointer<UInt8>, _ remaining: Int, _ lookup: RankLookup) -> (TokenID, Int) {
            var best = lookup.singleByteRank[Int(bytes[0])]
            var bestLength = 1
            guard remaining >= 2 else { return (best, 1) }
            var node = Int(root2[Int(bytes[0]) << 8 | Int(bytes[1])])
            guard node != 0 else { return (best, 1) }
            var depth = 2
            while true {
                let word = nodes[node]
                if word >> 41 != 0 { best = TokenID(truncatingIfNeeded: word >> 41) &- 1; bestLength = depth }
                guard depth < remaining else { break }
                let first = Int(truncatingIfNeeded: word & 0xFFFF_FFFF), count = Int(truncatingIfNeeded: word >> 32 & 0x1FF)
                let label = bytes[depth]
                var c = first, found = 0
                let end = first &+ count
                while c < end {
                    let l = labels[c]
                    if l >= label { if l == label { found = c }; break }
                    c &+= 1
                }
                if found == 0 { break }
                node = found
                depth &+= 1
            }
            return (best, bestLength)
        }

        /// Writes the ranks of the `n` bytes at `bytes` (n < 128) at `output`; nil when a byte is no token or the
        /// search fails (the caller merges then).
        package func encode(_ bytes: UnsafePointer<UInt8>, _ n: Int, _ lookup: RankLookup, _ output: UnsafeMutablePointer<TokenID>) -> Int? {
            var cannotEnd: (UInt64, UInt64) = (0, 0)
            @inline(__always) func blocked(_ p: Int) -> Bool { (p < 64 ? cannotEnd.0 >> UInt64(p) : cannotEnd.1 >> UInt64(p &- 64)) & 1 != 0 }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { lengths in
                var count = 0, position = 0
                var (token, tokenLength) = longest(bytes, n, lookup)
                if token == .max { return nil }
                var steps = 0
                while true {
                    steps &+= 1
                    if steps > 4 &* n &* n &+ 64 { return nil }
                    let end = position &+ tokenLength
                    if !blocked(end) && (count == 0 || isValidPair(output[count &- 1], token, lookup)) {
                        output[count] = token
                        lengths[count] = UInt8(truncatingIfNeeded: tokenLength)
                        count &+= 1
                        position = end
                        if position == n { return count }
                        (token, tokenLength) = longest(bytes + position, n &- position, lookup)
                        if token == .max { return nil }
                        continue
                    }
                    let info = prefixAndLength[Int(token &- lookup.firstRank)]
                    if info & 0xFF_FFFF != 0xFF_FFFF {
                        token = info & 0xFF_FFFF
                        tokenLength = Int(prefixAndLength[Int(token &- lookup.firstRank)] >> 24)
                        continue
                    }
                    if position < 64 { cannotEnd.0 |= 1 << UInt64(position) } else { cannotEnd.1 |= 1 << UInt64(position &- 64) }
                    if count == 0 { return nil }
                    count &-= 1
                    token = output[count]
                    tokenLength = Int(lengths[count])
                    position &-= tokenLength
                }
            }
        }
    }
}

/// Prototype (session 35): where no token of the vocabulary can cover the boundary between bytes `b - 1` and `b` of a
/// piece, BPE never merges across it, so the piece encodes as its two sides encoded alone.
package struct CrossingFilter: Sendable {
    nonisolated(unsafe) static var bits = Int(getenv("CF_BITS").map { String(cString: $0) } ?? "22") ?? 22
    var quad: [UInt64]
    var head3: [UInt64]
    var tail3: [UInt64]

    @inline(__always) static func slot(_ key: UInt32, _ salt: UInt64) -> Int {
        Int(truncatingIfNeeded: ((UInt64(key) | salt) &* 0x9E37_79B9_7F4A_7C15) >> (64 - UInt64(bits)))
    }
    @inline(__always) static func test(_ set: UnsafePointer<UInt64>, _ bit: Int) -> Bool { set[bit >> 6] >> UInt64(bit & 63) & 1 != 0 }

    package init(_ vocabulary: Vocabulary) {
        var quad = [UInt64](repeating: 0, count: 1 << (Self.bits - 6))
        var head3 = quad, tail3 = quad
        let table = vocabulary.table
        func set(_ array: inout [UInt64], _ bit: Int) { array[bit >> 6] |= 1 << UInt64(bit & 63) }
        table.withView { view in
            for index in 0..<table.count {
                let start = Int(table.offsets[index]), n = Int(table.offsets[index + 1]) - start
                let t = view.arena + start
                func key(_ at: Int, _ count: Int) -> UInt32 {
                    var k: UInt32 = 0
                    for i in 0..<count { k = k << 8 | UInt32(t[at + i]) }
                    return k
                }
                if n >= 3 {
                    set(&head3, Self.slot(key(0, 3), 1 << 40))
                    set(&tail3, Self.slot(key(n - 3, 3), 2 << 40))
                }
                if n >= 4 { for at in 0...(n - 4) { set(&quad, Self.slot(key(at, 4), 0)) } }
            }
        }
        self.quad = quad
        self.head3 = head3
        self.tail3 = tail3
    }

    /// Cuts `n` bytes at every boundary no token can cover; calls `body` with each segment's start and end.
    package func segments(_ bytes: UnsafePointer<UInt8>, _ n: Int, _ lookup: RankLookup, allBoundaries: Bool, _ body: (Int, Int) -> Void) {
        quad.withUnsafeBufferPointer { quad in
            head3.withUnsafeBufferPointer { head3 in
                tail3.withUnsafeBufferPointer { tail3 in
                    var start = 0
                    var b = 1
                    while b < n {
                        defer { b += 1 }
                        if !allBoundaries && bytes[b] & 0xC0 == 0x80 { continue }
                        if lookup.bytePairRank[Int(bytes[b - 1]) << 8 | Int(bytes[b])] != .max { continue }
                        if b >= 2 {
                            let k = UInt32(bytes[b - 2]) << 16 | UInt32(bytes[b - 1]) << 8 | UInt32(bytes[b])
                            if Self.test(tail3.baseAddress!, Self.slot(k, 2 << 40)) { continue }
                        }
                        if b + 2 <= n {
                            let k = UInt32(bytes[b - 1]) << 16 | UInt32(bytes[b]) << 8 | UInt32(bytes[b + 1])
                            if Self.test(head3.baseAddress!, Self.slot(k, 1 << 40)) { continue }
                        }
                        if b >= 2 && b + 2 <= n {
                            let k = UInt32(bytes[b - 2]) << 24 | UInt32(bytes[b - 1]) << 16 | UInt32(bytes[b]) << 8 | UInt32(bytes[b + 1])
                            if Self.test(quad.baseAddress!, Self.slot(k, 0)) { continue }
                        }
                        body(start, b)
                        start = b
                    }
                    body(start, n)
                }
            }
        }
    }
}
