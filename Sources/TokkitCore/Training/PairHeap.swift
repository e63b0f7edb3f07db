/// A max-heap of `(count, pair)` candidates, ordered by count descending, then packed pair ascending.
///
/// Since a pair packs as `left << 32 | right`, "pair ascending" is "smaller left id, then smaller
/// right id": HF `BpeTrainer`'s tie-break (`Merge::cmp`, trainer.rs) and rustbpe's, which differ
/// only in how byte tokens are numbered (see ``TiePolicy``). Entries are lazy: the trainer re-checks
/// a popped count against the pair table and re-pushes or drops stale ones.
struct PairHeap: ~Copyable {
    struct Entry {
        var count: UInt64
        var pair: UInt64
    }

    private var storage: RawBuffer<Entry>

    /// A heap of `entries`, built bottom-up.
    ///
    /// - Complexity: O(n).
    init(_ entries: consuming RawBuffer<Entry>) {
        storage = entries
        var index = storage.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    var isEmpty: Bool { storage.count == 0 }
    var count: Int { storage.count }

    /// Whether `lhs` must be merged before `rhs`. The whole tie-break of training lives here.
    @inline(__always)
    static func precedes(_ lhs: Entry, _ rhs: Entry) -> Bool {
        lhs.count > rhs.count || (lhs.count == rhs.count && lhs.pair < rhs.pair)
    }

    /// - Complexity: O(log n).
    mutating func push(count: UInt64, pair: UInt64) {
        storage.append(Entry(count: count, pair: pair))
        let base = storage.base
        var child = storage.count - 1
        let entry = base[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(entry, base[parent]) else { break }
            base[child] = base[parent]
            child = parent
        }
        base[child] = entry
    }

    /// Removes and returns the first entry; the heap must not be empty.
    ///
    /// - Complexity: O(log n).
    mutating func pop() -> Entry {
        let top = storage[0]
        let last = storage.removeLast()
        if storage.count > 0 {
            storage[0] = last
            siftDown(from: 0)
        }
        return top
    }

    private func siftDown(from start: Int) {
        let base = storage.base
        let count = storage.count
        var parent = start
        let entry = base[parent]
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count, Self.precedes(base[child + 1], base[child]) { child += 1 }
            guard Self.precedes(base[child], entry) else { break }
            base[parent] = base[child]
            parent = child
        }
        base[parent] = entry
    }
}
