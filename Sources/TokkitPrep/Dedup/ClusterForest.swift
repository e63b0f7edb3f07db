import Synchronization

/// A union-find forest over document numbers that many threads join at once, and whose result does
/// not depend on how they interleave: every link points a root at a *smaller* root, so each cluster
/// ends with its smallest document as root, whatever the order of the unions.
///
/// Lock-free (the linking-by-index union-find of Anderson and Woll): `union` finds both roots and
/// links the larger under the smaller with a compare-and-swap that succeeds only if the larger is
/// still a root, retrying otherwise; `find` halves paths with compare-and-swaps that may fail
/// harmlessly. A parent is never larger than its child, so a compression only ever skips ancestors.
///
/// Memory: 4 bytes per document, in blocks of 4,096 atomics (an `InlineArray` per block, so the
/// forest is checked `Sendable` without unsafe pointers).
final class ClusterForest: Sendable {
    private static let blockShift = 12
    private static let blockMask = (1 << blockShift) - 1

    private final class Block: Sendable {
        let parents: InlineArray<4096, Atomic<UInt32>>
        init(first: Int) { parents = InlineArray { Atomic(UInt32(truncatingIfNeeded: first + $0)) } }
    }

    private let blocks: [Block]
    let count: Int

    init(count: Int) {
        self.count = count
        blocks = stride(from: 0, to: max(count, 1), by: 1 << Self.blockShift).map { Block(first: $0) }
    }

    @inline(__always)
    private func parent(_ node: UInt32) -> UInt32 {
        blocks[Int(node) >> Self.blockShift].parents[Int(node) & Self.blockMask].load(ordering: .acquiring)
    }

    @inline(__always)
    private func replace(_ node: UInt32, expected: UInt32, with new: UInt32) -> Bool {
        blocks[Int(node) >> Self.blockShift].parents[Int(node) & Self.blockMask]
            .compareExchange(expected: expected, desired: new, ordering: .acquiringAndReleasing).exchanged
    }

    /// The root of `node`'s tree (the smallest document of its cluster once every union is done).
    func find(_ node: UInt32) -> UInt32 {
        var node = node
        while true {
            let up = parent(node)
            if up == node { return node }
            let grand = parent(up)
            if grand == up { return up }
            _ = replace(node, expected: up, with: grand)
            node = grand
        }
    }

    /// Joins the clusters of `a` and `b`.
    func union(_ a: UInt32, _ b: UInt32) {
        var a = a, b = b
        while true {
            a = find(a)
            b = find(b)
            if a == b { return }
            if a > b { swap(&a, &b) }
            if replace(b, expected: b, with: a) { return }
        }
    }
}
