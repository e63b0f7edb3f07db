/// The ids of pieces that needed merging, kept so that a word seen again is not merged again.
///
/// The vocabulary already answers for pieces that are single tokens (tiktoken: "the vocabulary is
/// the cache"); this cache holds the rest, which in real text repeat with a Zipf tail (`" Kernel"`,
/// `"ологи"`). One per worker, never shared, so no locks. Bounded: at most `capacity` entries of at
/// most `maxPieceLength` bytes (about 8 MB); when full it is emptied at once, which costs less than
/// tracking recency and keeps the steady state free of allocation. 2^17 entries rather than 2^15:
/// on 24 MB of English the smaller cache filled and emptied often enough to cost 15% of encode time.
struct PieceCache {
    /// Longer pieces are rare and not worth their memory.
    static let maxPieceLength = 64
    static let capacity = 1 << 17

    /// Open addressing as in `RankTable`: `(hash >> 32) << 32 | (entry + 1)`, 0 when empty.
    private var slots: [UInt64]
    /// Per entry: key start in `keys`, key length, ids start in `ids`, id count.
    private var entries: [UInt32] = []
    private var keys: [UInt8] = []
    private var ids: [TokenID] = []
    private let mask: Int

    init() {
        slots = [UInt64](repeating: 0, count: Self.capacity * 2)
        mask = Self.capacity * 2 - 1
        entries.reserveCapacity(Self.capacity * 4)
        keys.reserveCapacity(Self.capacity * 16)
        ids.reserveCapacity(Self.capacity * 4)
    }

    /// Appends the cached ids of the `count` bytes at `bytes` (whose hash is `hash`) to `output`.
    /// - Returns: `false` on a miss.
    @inline(__always)
    func appendIDs(of bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, to output: inout [TokenID]) -> Bool {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var position = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                while true {
                    let slot = slots[position]
                    if slot == 0 { return false }
                    if slot & 0xFFFF_FFFF_0000_0000 == tag {
                        let entry = (Int(slot & 0xFFFF_FFFF) &- 1) &* 4
                        let keyStart = Int(entries[entry])
                        if Int(entries[entry &+ 1]) == count,
                           keys.withUnsafeBufferPointer({ ByteHash.equal($0.baseAddress! + keyStart, bytes, count: count) }) {
                            let idStart = Int(entries[entry &+ 2])
                            let idCount = Int(entries[entry &+ 3])
                            ids.withUnsafeBufferPointer {
                                output.append(contentsOf: UnsafeBufferPointer(rebasing: $0[idStart..<(idStart &+ idCount)]))
                            }
                            return true
                        }
                    }
                    position = (position &+ 1) & mask
                }
            }
        }
    }

    /// Remembers that the piece at `bytes` encodes to `pieceIDs`; the caller has just missed it.
    mutating func insert(_ bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, ids pieceIDs: ArraySlice<TokenID>) {
        guard count <= Self.maxPieceLength else { return }
        if entries.count >= Self.capacity * 4 {
            entries.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        var position = Int(truncatingIfNeeded: hash) & mask
        while slots[position] != 0 { position = (position &+ 1) & mask }
        slots[position] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(entries.count / 4 + 1)
        entries.append(UInt32(keys.count))
        entries.append(UInt32(count))
        entries.append(UInt32(ids.count))
        entries.append(UInt32(pieceIDs.count))
        keys.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
        ids.append(contentsOf: pieceIDs)
    }
}
