/// xxHash (XXH64 and XXH32, seed 0): datatrove's default hash for exact and sentence/line
/// de-duplication keys (`HashConfig(hash_fc="xxhash")` → `xxhash.xxh64_intdigest(text)`, the text
/// encoded as UTF-8). A reimplementation of the public specification (Yann Collet), checked against
/// the `xxhash` package's digests in the tests (`xxh64("the quick brown fox jumps") ==
/// 7797000677988824208`, reference §14).
enum XXHash {
    private static let prime64: (UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0x9E37_79B1_85EB_CA87, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x85EB_CA77_C2B2_AE63, 0x27D4_EB2F_1656_67C5)
    private static let prime32: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x9E37_79B1, 0x85EB_CA77, 0xC2B2_AE3D, 0x27D4_EB2F, 0x1656_67B1)

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
    @inline(__always) private static func rotl(_ x: UInt32, _ r: UInt32) -> UInt32 { (x << r) | (x >> (32 - r)) }

    @inline(__always) private static func read64(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    @inline(__always) private static func read32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    @inline(__always) private static func round64(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* prime64.1, 31) &* prime64.0
    }

    @inline(__always) private static func merge64(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round64(0, value)) &* prime64.0 &+ prime64.3
    }

    /// XXH64 of `bytes` with seed 0.
    static func hash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var offset = 0
        var h: UInt64
        if count >= 32 {
            var v1 = prime64.0 &+ prime64.1, v2 = prime64.1, v3: UInt64 = 0, v4 = 0 &- prime64.0
            while offset + 32 <= count {
                v1 = round64(v1, read64(bytes, offset))
                v2 = round64(v2, read64(bytes, offset + 8))
                v3 = round64(v3, read64(bytes, offset + 16))
                v4 = round64(v4, read64(bytes, offset + 24))
                offset += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge64(merge64(merge64(merge64(h, v1), v2), v3), v4)
        } else {
            h = prime64.4
        }
        h &+= UInt64(count)
        while offset + 8 <= count {
            h ^= round64(0, read64(bytes, offset))
            h = rotl(h, 27) &* prime64.0 &+ prime64.3
            offset += 8
        }
        if offset + 4 <= count {
            h ^= UInt64(read32(bytes, offset)) &* prime64.0
            h = rotl(h, 23) &* prime64.1 &+ prime64.2
            offset += 4
        }
        while offset < count {
            h ^= UInt64(bytes[offset]) &* prime64.4
            h = rotl(h, 11) &* prime64.0
            offset += 1
        }
        h ^= h >> 33
        h &*= prime64.1
        h ^= h >> 29
        h &*= prime64.2
        h ^= h >> 32
        return h
    }

    @inline(__always) private static func round32(_ acc: UInt32, _ input: UInt32) -> UInt32 {
        rotl(acc &+ input &* prime32.1, 13) &* prime32.0
    }

    /// XXH32 of `bytes` with seed 0.
    static func hash32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let count = bytes.count
        var offset = 0
        var h: UInt32
        if count >= 16 {
            var v1 = prime32.0 &+ prime32.1, v2 = prime32.1, v3: UInt32 = 0, v4 = 0 &- prime32.0
            while offset + 16 <= count {
                v1 = round32(v1, read32(bytes, offset))
                v2 = round32(v2, read32(bytes, offset + 4))
                v3 = round32(v3, read32(bytes, offset + 8))
                v4 = round32(v4, read32(bytes, offset + 12))
                offset += 16
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
        } else {
            h = prime32.4
        }
        h &+= UInt32(truncatingIfNeeded: count)
        while offset + 4 <= count {
            h &+= read32(bytes, offset) &* prime32.2
            h = rotl(h, 17) &* prime32.3
            offset += 4
        }
        while offset < count {
            h &+= UInt32(bytes[offset]) &* prime32.4
            h = rotl(h, 11) &* prime32.0
            offset += 1
        }
        h ^= h >> 15
        h &*= prime32.1
        h ^= h >> 13
        h &*= prime32.2
        h ^= h >> 16
        return h
    }
}
