/// A fast, seedless 64-bit hash, equality and order over raw bytes: one implementation for every
/// byte-keyed table in Tokkit (the vocabulary's rank table, the piece cache, word counts, the
/// trainer's token table).
///
/// Seedless on purpose: training must be reproducible bit for bit, and nothing observable depends on
/// the hash (only where entries sit in a table). Not for adversarial keys: the tables hold vocabulary
/// tokens, which the user chose, or pieces of the user's own text. Tokens and pieces are short (4–8
/// bytes on average), so a key of up to eight bytes is read as one integer (`prefix`) instead of
/// byte by byte.
@usableFromInline
package enum ByteHash {
    /// Hashes `count` bytes at `bytes`.
    /// - Complexity: O(`count`).
    @inlinable @inline(__always)
    static func hash(_ bytes: UnsafeRawPointer?, count: Int) -> UInt64 {
        guard let raw = bytes, count > 0 else { return mix(0x9E37_79B9_7F4A_7C15) }
        if count > 8 { return hash(longKey: raw, count: count) }
        return hash(prefix: prefix(raw, count: count), count: count)
    }

    /// `hash(_:count:)` of more than eight bytes, for a caller that has the prefix of a short key at
    /// hand and hashes only long ones here.
    @inlinable @inline(__always)
    static func hash(longKey raw: UnsafeRawPointer, count: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        var i = 0
        while i &+ 8 < count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i &+= 8
        }
        h ^= raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) &* 0xC4CE_B9FE_1A85_EC53
        return mix(h)
    }

    /// The hash of a key of 1 to 8 bytes given as its `prefix`: equal to `hash(_:count:)` of those
    /// bytes. For callers that already hold the key as an integer (the merger reads it with one
    /// masked load), so the length switch in `prefix` is skipped.
    @inlinable @inline(__always)
    static func hash(prefix: UInt64, count: Int) -> UInt64 {
        mix(0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count) ^ prefix &* 0xC4CE_B9FE_1A85_EC53)
    }

    /// The first `min(count, 8)` bytes as a little-endian integer, zero-padded, read without
    /// touching memory past `count`: two overlapping loads whose shared bytes coincide, so `|` is exact.
    @inlinable @inline(__always)
    static func prefix(_ bytes: UnsafeRawPointer?, count: Int) -> UInt64 {
        guard let raw = bytes, count > 0 else { return 0 }
        // Comparisons rather than a `switch` with a range: fewer basic blocks, which decides whether
        // the optimiser inlines a caller into the scanner loops (see `BytePairMerger.useCache(of:)`).
        if count >= 8 { return raw.loadUnaligned(as: UInt64.self) }
        if count >= 4 {
            let low = UInt64(raw.loadUnaligned(as: UInt32.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
            return low | high << UInt64((count &- 4) &* 8)
        }
        if count >= 2 {
            let low = UInt64(raw.loadUnaligned(as: UInt16.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self))
            return low | high << UInt64((count &- 2) &* 8)
        }
        return UInt64(raw.load(as: UInt8.self))
    }

    /// Whether two byte ranges of equal length `count` hold the same bytes.
    ///
    /// Whole words, then one word that ends at the last byte and overlaps the ones before it, so a
    /// 10-byte token is two loads per side, not a word and two bytes; below eight bytes, two
    /// overlapping loads of four, two or one bytes.
    @inlinable @inline(__always)
    static func equal(_ lhs: UnsafeRawPointer?, _ rhs: UnsafeRawPointer?, count: Int) -> Bool {
        guard count > 0, let lhs, let rhs else { return true }
        if count >= 8 {
            var offset = 0
            while offset &+ 8 < count {
                if lhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    != rhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
                offset &+= 8
            }
            return lhs.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                == rhs.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        }
        if count >= 4 {
            return lhs.loadUnaligned(as: UInt32.self) == rhs.loadUnaligned(as: UInt32.self)
                && lhs.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
                == rhs.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
        }
        if count >= 2 {
            return lhs.loadUnaligned(as: UInt16.self) == rhs.loadUnaligned(as: UInt16.self)
                && lhs.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self)
                == rhs.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self)
        }
        return lhs.load(as: UInt8.self) == rhs.load(as: UInt8.self)
    }

    /// Lexicographic order of unsigned bytes, shorter first on a common prefix (Python's `bytes` order).
    package static func less(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        let common = min(lhs.count, rhs.count)
        var index = 0
        while index < common {
            let left = lhs[index], right = rhs[index]
            if left != right { return left < right }
            index &+= 1
        }
        return lhs.count < rhs.count
    }

    /// A 64-bit finalizer: spreads every input bit over the low bits used as a table index.
    @inlinable @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }
}
