/// Turns one pre-split piece into token ids with tiktoken's rule.
///
/// The rule: look the whole piece up first (the vocabulary is the cache); otherwise start from single
/// bytes and repeatedly merge the adjacent pair whose concatenated bytes have the lowest rank, the
/// leftmost one on ties, until no adjacent pair is a token. Example with GPT-2's ranks:
/// `"hello"` is itself a token → `[31373]`; `"helloo"` is not, so `h e l l o o` merges
/// `ll`, `he`, `hell`… and ends as `["hello", "o"]`.
///
/// Short pieces rescan a small array after each merge (what tiktoken does below 100 bytes: cheaper
/// than a heap for the pieces real text is made of). Long pieces use a linked list and a min-heap,
/// so a 1 MB run of one character costs O(n log n), not O(n²).
///
/// The merger keeps its scratch buffers between calls: reuse one per thread.
public struct BytePairMerger: Sendable {
    /// Pieces at least this long take the heap path. Same threshold as tiktoken 0.13+.
    public static let heapThreshold = 100

    private var starts: [Int] = []
    private var ranks: [TokenID] = []
    private var heap: [UInt64] = []
    private var nextStart: [Int32] = []
    private var previousStart: [Int32] = []
    private var pairRank: [TokenID] = []

    public init() {}

    /// Appends the ids of `piece` to `output`.
    ///
    /// - Returns: `false` when some byte of the piece is not a token of the vocabulary (nothing is
    ///   appended then); a vocabulary that holds all 256 bytes never returns `false`.
    /// - Complexity: O(n²) worst case below `heapThreshold` bytes, O(n log n) above.
    @discardableResult
    public mutating func encode(_ piece: UnsafeBufferPointer<UInt8>, with vocabulary: Vocabulary,
                                into output: inout [TokenID]) -> Bool {
        if piece.isEmpty { return true }
        if let whole = vocabulary.rank(of: piece) {
            output.append(whole)
            return true
        }
        for byte in piece where vocabulary.singleByteRank[Int(byte)] == .max { return false }
        if piece.count < Self.heapThreshold {
            mergeByRescanning(piece, vocabulary, &output)
        } else {
            mergeWithHeap(piece, vocabulary, &output)
        }
        return true
    }

    @inline(__always)
    private static func rank(_ piece: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                             _ vocabulary: Vocabulary) -> TokenID {
        vocabulary.rank(of: UnsafeBufferPointer(rebasing: piece[start..<end])) ?? .max
    }

    /// tiktoken's `_byte_pair_merge`: `starts[i]` is where part i begins, `ranks[i]` the rank of
    /// part i joined with part i+1. Two sentinel parts at the end keep the indexing branch-free.
    private mutating func mergeByRescanning(_ piece: UnsafeBufferPointer<UInt8>, _ vocabulary: Vocabulary,
                                            _ output: inout [TokenID]) {
        let n = piece.count
        starts.removeAll(keepingCapacity: true)
        ranks.removeAll(keepingCapacity: true)
        var best = (rank: TokenID.max, index: -1)
        for i in 0..<(n - 1) {
            let rank = Self.rank(piece, i, i + 2, vocabulary)
            // Strict `<`: on equal ranks the leftmost pair wins.
            if rank < best.rank { best = (rank, i) }
            starts.append(i)
            ranks.append(rank)
        }
        starts.append(n - 1)
        ranks.append(.max)
        starts.append(n)
        ranks.append(.max)

        while best.rank != .max {
            let i = best.index
            // Part i absorbs part i+1; the pairs that change are (i-1, i) and (i, i+1).
            if i > 0 {
                ranks[i - 1] = joinedRank(piece, i - 1, vocabulary)
            }
            ranks[i] = joinedRank(piece, i, vocabulary)
            starts.remove(at: i + 1)
            ranks.remove(at: i + 1)
            best = (.max, -1)
            for j in 0..<(ranks.count - 1) where ranks[j] < best.rank {
                best = (ranks[j], j)
            }
        }
        for i in 0..<(starts.count - 1) {
            output.append(Self.rank(piece, starts[i], starts[i + 1], vocabulary))
        }
    }

    /// The rank of part `i` joined with its right neighbour, computed before part i+1 is removed,
    /// hence `starts[i + 3]` (tiktoken's `get_rank`).
    @inline(__always)
    private func joinedRank(_ piece: UnsafeBufferPointer<UInt8>, _ i: Int, _ vocabulary: Vocabulary) -> TokenID {
        guard i + 3 < starts.count else { return .max }
        return Self.rank(piece, starts[i], starts[i + 3], vocabulary)
    }

    /// The same merges in O(n log n): parts form a linked list by start offset, and a min-heap holds
    /// `(rank << 32 | start)` for every candidate pair. An entry is stale when the pair starting there
    /// has changed since it was pushed; ranks name unique byte strings, so comparing the rank is enough.
    private mutating func mergeWithHeap(_ piece: UnsafeBufferPointer<UInt8>, _ vocabulary: Vocabulary,
                                        _ output: inout [TokenID]) {
        let n = piece.count
        nextStart = (0..<n).map { Int32($0 + 1) }
        previousStart = (0..<n).map { Int32($0 - 1) }
        pairRank = [TokenID](repeating: .max, count: n)
        heap.removeAll(keepingCapacity: true)
        for i in 0..<(n - 1) {
            let rank = Self.rank(piece, i, i + 2, vocabulary)
            pairRank[i] = rank
            if rank != .max { heap.append(UInt64(rank) << 32 | UInt64(i)) }
        }
        MinHeap.heapify(&heap)

        while let top = MinHeap.pop(&heap) {
            let rank = TokenID(top >> 32)
            let i = Int(top & 0xFFFF_FFFF)
            guard pairRank[i] == rank else { continue }
            let j = Int(nextStart[i])
            let k = Int(nextStart[j])
            nextStart[i] = Int32(k)
            pairRank[j] = .max
            if k < n { previousStart[k] = Int32(i) }
            pairRank[i] = k < n ? Self.rank(piece, i, Int(nextStart[k]), vocabulary) : .max
            if pairRank[i] != .max { MinHeap.push(&heap, UInt64(pairRank[i]) << 32 | UInt64(i)) }
            let p = Int(previousStart[i])
            if p >= 0 {
                pairRank[p] = Self.rank(piece, p, k, vocabulary)
                if pairRank[p] != .max { MinHeap.push(&heap, UInt64(pairRank[p]) << 32 | UInt64(p)) }
            }
        }
        var start = 0
        while start < n {
            let end = Int(nextStart[start])
            output.append(Self.rank(piece, start, end, vocabulary))
            start = end
        }
    }
}

/// A binary min-heap over packed `UInt64` keys, in a plain array.
enum MinHeap {
    static func heapify(_ heap: inout [UInt64]) {
        guard heap.count > 1 else { return }
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(&heap, i) }
    }

    static func push(_ heap: inout [UInt64], _ value: UInt64) {
        heap.append(value)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent] <= heap[i] { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    static func pop(_ heap: inout [UInt64]) -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        siftDown(&heap, 0)
        return top
    }

    private static func siftDown(_ heap: inout [UInt64], _ start: Int) {
        var i = start
        let count = heap.count
        while true {
            let left = 2 * i + 1
            if left >= count { return }
            var smallest = left
            if left + 1 < count, heap[left + 1] < heap[left] { smallest = left + 1 }
            if heap[i] <= heap[smallest] { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}
