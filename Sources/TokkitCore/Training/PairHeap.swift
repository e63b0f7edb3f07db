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

    /// Count descending, then pair ascending: the whole tie-break of training.
    enum Order: HeapOrder {
        @inline(__always)
        static func precedes(_ lhs: Entry, _ rhs: Entry) -> Bool {
            lhs.count > rhs.count || (lhs.count == rhs.count && lhs.pair < rhs.pair)
        }
    }

    private var storage: RawBuffer<Entry>

    /// A heap of `entries`, built bottom-up.
    ///
    /// - Complexity: O(n).
    init(_ entries: consuming RawBuffer<Entry>) {
        storage = entries
        BinaryHeap<Order>.heapify(storage.base, count: storage.count)
    }

    var isEmpty: Bool { storage.count == 0 }
    var count: Int { storage.count }

    /// - Complexity: O(log n).
    mutating func push(count: UInt64, pair: UInt64) {
        storage.append(Entry(count: count, pair: pair))
        BinaryHeap<Order>.siftUp(storage.base, from: storage.count - 1)
    }

    /// Removes and returns the first entry; the heap must not be empty.
    ///
    /// - Complexity: O(log n).
    mutating func pop() -> Entry {
        let top = storage[0]
        let last = storage.removeLast()
        if storage.count > 0 {
            storage[0] = last
            BinaryHeap<Order>.siftDown(storage.base, count: storage.count, from: 0)
        }
        return top
    }
}
