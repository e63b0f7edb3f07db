/// Byte strings stored back to back in one arena, found again through a flat open-addressing table.
///
/// Why not `[[UInt8]: TokenID]`: hashing an `Array` key allocates nothing but still walks generic
/// code per byte, and every entry is a separate heap object. Here a lookup is one hash over raw
/// bytes, a few probes of a `UInt64` slot array and one `memcmp`-like compare.
struct RankTable: Sendable {
    /// All token bytes, concatenated in index order.
    let arena: [UInt8]
    /// `offsets[i] ..< offsets[i + 1]` is the range of token `i` in `arena`.
    let offsets: [UInt32]
    /// Each slot is `(hash >> 32) << 32 | (index + 1)`, or 0 when empty. The hash half lets most
    /// probes of a different string fail without touching the arena.
    let slots: [UInt64]
    let mask: Int

    var count: Int { offsets.count - 1 }

    func bytes(at index: Int) -> ArraySlice<UInt8> {
        arena[Int(offsets[index])..<Int(offsets[index + 1])]
    }

    func index(of bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { index(of: $0) }
    }

    /// - Complexity: O(bytes.count) expected.
    @inline(__always)
    func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = ByteHash.hash(UnsafeRawPointer(bytes.baseAddress), count: bytes.count)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                offsets.withUnsafeBufferPointer { offsets in
                    var position = Int(truncatingIfNeeded: hash) & mask
                    while true {
                        let slot = slots[position]
                        if slot == 0 { return nil }
                        if slot & 0xFFFF_FFFF_0000_0000 == tag {
                            let index = Int(slot & 0xFFFF_FFFF) - 1
                            let start = Int(offsets[index])
                            let end = Int(offsets[index + 1])
                            if end - start == bytes.count,
                               ByteHash.equal(UnsafeRawPointer(arena.baseAddress.map { $0 + start }), UnsafeRawPointer(bytes.baseAddress), count: bytes.count) {
                                return index
                            }
                        }
                        position = (position + 1) & mask
                    }
                }
            }
        }
    }

    struct Builder {
        var arena: [UInt8] = []
        var offsets: [UInt32] = [0]
        var slots: [UInt64]
        let mask: Int

        init(expectedCount: Int) {
            var capacity = 16
            while capacity < expectedCount * 2 + 1 { capacity <<= 1 }
            slots = [UInt64](repeating: 0, count: capacity)
            mask = capacity - 1
        }

        /// Adds `bytes` as the next index, or returns the index that already holds the same bytes.
        mutating func insert(_ bytes: [UInt8]) -> Int? {
            let hash = bytes.withUnsafeBufferPointer { ByteHash.hash(UnsafeRawPointer($0.baseAddress), count: $0.count) }
            let tag = hash & 0xFFFF_FFFF_0000_0000
            var position = Int(truncatingIfNeeded: hash) & mask
            while slots[position] != 0 {
                let slot = slots[position]
                if slot & 0xFFFF_FFFF_0000_0000 == tag {
                    let index = Int(slot & 0xFFFF_FFFF) - 1
                    if arena[Int(offsets[index])..<Int(offsets[index + 1])].elementsEqual(bytes) { return index }
                }
                position = (position + 1) & mask
            }
            let index = offsets.count - 1
            slots[position] = tag | UInt64(index + 1)
            arena.append(contentsOf: bytes)
            offsets.append(UInt32(arena.count))
            return nil
        }

        func build() -> RankTable {
            RankTable(arena: arena, offsets: offsets, slots: slots, mask: mask)
        }
    }
}
