/// A fast, seedless 64-bit hash and equality test over raw bytes.
///
/// Seedless on purpose: training must be reproducible bit for bit, and nothing observable depends on
/// the hash (only where entries sit in a table). It reads eight bytes at a time; pre-tokenized pieces
/// are short, so the tail and the finalizer dominate.
enum ByteHash {
    /// Hashes `count` bytes at `base`.
    ///
    /// - Complexity: O(`count`).
    @inline(__always)
    static func hash(_ base: UnsafeRawPointer?, count: Int) -> UInt64 {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        guard let base, count > 0 else { return finalize(state) }
        var offset = 0
        while offset &+ 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            state = ((state &<< 5) | (state &>> 59)) ^ word
            state = state &* 0x517C_C1B7_2722_0A95
            offset &+= 8
        }
        if offset < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                tail |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) &<< shift
                shift &+= 8
                offset &+= 1
            }
            state = ((state &<< 5) | (state &>> 59)) ^ tail
            state = state &* 0x517C_C1B7_2722_0A95
        }
        return finalize(state)
    }

    /// Whether two byte ranges of equal length `count` hold the same bytes.
    @inline(__always)
    static func equal(_ lhs: UnsafeRawPointer?, _ rhs: UnsafeRawPointer?, count: Int) -> Bool {
        guard count > 0, let lhs, let rhs else { return true }
        var offset = 0
        while offset &+ 8 <= count {
            if lhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != rhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset &+= 8
        }
        while offset < count {
            if lhs.load(fromByteOffset: offset, as: UInt8.self) != rhs.load(fromByteOffset: offset, as: UInt8.self) {
                return false
            }
            offset &+= 1
        }
        return true
    }

    /// Lexicographic order of unsigned bytes, shorter first on a common prefix (Python's `bytes` order).
    static func less(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        let common = min(lhs.count, rhs.count)
        var index = 0
        while index < common {
            let left = lhs[index], right = rhs[index]
            if left != right { return left < right }
            index &+= 1
        }
        return lhs.count < rhs.count
    }

    /// splitmix64's finalizer: spreads every input bit over the low bits used as a table index.
    @inline(__always)
    static func finalize(_ value: UInt64) -> UInt64 {
        var mixed = value
        mixed = (mixed ^ (mixed &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed &>> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed &>> 31)
    }
}
