/// How a heap orders its elements: `precedes(a, b)` is true when `a` must come out before `b`.
protocol HeapOrder {
    associatedtype Element
    static func precedes(_ lhs: Element, _ rhs: Element) -> Bool
}

/// The one binary-heap algorithm of the package, over storage its caller owns: the trainer's lazy
/// max-heap of pair counts (`PairHeap`, in a `RawBuffer`) and the encoder's min-heap of pair ranks
/// for long pieces (`MinHeap`, in an array) both sift with these functions.
///
/// The order is a type, not a closure, so each heap is specialised and its comparison inlined:
/// no cost over a heap written for one element type.
enum BinaryHeap<Order: HeapOrder> {
    /// Arranges `base[0..<count]` into a heap, bottom-up.
    /// - Complexity: O(count).
    @inline(__always)
    static func heapify(_ base: UnsafeMutablePointer<Order.Element>, count: Int) {
        var index = count / 2
        while index > 0 {
            index -= 1
            siftDown(base, count: count, from: index)
        }
    }

    /// Moves the element at `child` up to its place (after it was appended at the end).
    /// - Complexity: O(log n).
    @inline(__always)
    static func siftUp(_ base: UnsafeMutablePointer<Order.Element>, from child: Int) {
        var child = child
        let element = base[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard Order.precedes(element, base[parent]) else { break }
            base[child] = base[parent]
            child = parent
        }
        base[child] = element
    }

    /// Moves the element at `start` down to its place in `base[0..<count]`.
    /// - Complexity: O(log n).
    @inline(__always)
    static func siftDown(_ base: UnsafeMutablePointer<Order.Element>, count: Int, from start: Int) {
        var parent = start
        let element = base[parent]
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count, Order.precedes(base[child + 1], base[child]) { child += 1 }
            guard Order.precedes(base[child], element) else { break }
            base[parent] = base[child]
            parent = child
        }
        base[parent] = element
    }
}
