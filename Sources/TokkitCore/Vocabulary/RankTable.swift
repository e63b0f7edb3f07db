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
        let hash = ByteHash.hash(bytes)
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
                               memoryEqual(arena.baseAddress! + start, bytes.baseAddress, bytes.count) {
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
            let hash = bytes.withUnsafeBufferPointer { ByteHash.hash($0) }
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

/// Compares `count` bytes; `nil` only when `count` is 0.
@inline(__always)
func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
    guard let b else { return count == 0 }
    var i = 0
    while i + 8 <= count {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// A fast, seedless 64-bit hash over bytes, eight at a time. Not for adversarial keys: tables keyed
/// by it hold vocabulary tokens, which the user chose.
enum ByteHash {
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return mix(h) }
        let raw = UnsafeRawPointer(base)
        var i = 0
        let count = bytes.count
        while i + 8 <= count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count {
            tail |= UInt64(base[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return mix(h)
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }
}
