/// SHA-1 (FIPS 180-4), used only where a reference implementation fixed it as a fingerprint:
/// datatrove's `sha1_hash64` shingle hash (FineWeb's MinHash) reads the first eight digest bytes
/// little-endian. Not for security.
///
/// Shingles are short (a 5-word n-gram is ~30 bytes, one 64-byte block), so the whole digest runs
/// without a heap allocation: full blocks are read in place, the padded tail is built on the stack.
enum SHA1 {
    /// The 20-byte digest.
    /// - Complexity: O(`bytes.count`).
    static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let h = words(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for word in [h.0, h.1, h.2, h.3, h.4] {
            out += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8),
                    UInt8(truncatingIfNeeded: word)]
        }
        return out
    }

    /// datatrove's `sha1_hash64`: `struct.unpack("<Q", sha1(data).digest()[:8])[0]`.
    /// `hash64("the quick brown fox jumps") == 12313522834835307089` (reference §14).
    @inline(__always)
    static func hash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let h = words(bytes)
        // The digest is the big-endian words h0 h1 …; its first 8 bytes read little-endian.
        return UInt64(h.0.byteSwapped) | UInt64(h.1.byteSwapped) << 32
    }

    /// datatrove's `sha1_hash32`: the first four digest bytes, little-endian.
    static func hash32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        words(bytes).0.byteSwapped
    }

    typealias Words = (UInt32, UInt32, UInt32, UInt32, UInt32)

    /// The five state words after the whole message.
    static func words(_ bytes: UnsafeRawBufferPointer) -> Words {
        var h: Words = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        let count = bytes.count
        var offset = 0
        if let base = bytes.baseAddress {
            while offset + 64 <= count {
                compress(&h, base + offset)
                offset += 64
            }
        }
        let rest = count - offset
        // The tail, 0x80, zeros, and the big-endian bit length: one block, or two when the tail is > 55 bytes.
        withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { tail in
            tail.initializeMemory(as: UInt8.self, repeating: 0)
            if rest > 0, let base = bytes.baseAddress {
                tail.baseAddress!.copyMemory(from: base + offset, byteCount: rest)
            }
            tail[rest] = 0x80
            let blocks = rest < 56 ? 1 : 2
            let bitLength = UInt64(count) &* 8
            tail.baseAddress!.storeBytes(of: bitLength.bigEndian, toByteOffset: blocks * 64 - 8, as: UInt64.self)
            compress(&h, UnsafeRawPointer(tail.baseAddress!))
            if blocks == 2 { compress(&h, UnsafeRawPointer(tail.baseAddress! + 64)) }
        }
        return h
    }

    @inline(__always)
    private static func compress(_ h: inout Words, _ chunk: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            for i in 0..<16 { w[i] = UInt32(bigEndian: chunk.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
            var a = h.0, b = h.1, c = h.2, d = h.3, e = h.4
            @inline(__always) func schedule(_ t: Int) -> UInt32 {
                if t < 16 { return w[t] }
                let x = w[(t &- 3) & 15] ^ w[(t &- 8) & 15] ^ w[(t &- 14) & 15] ^ w[t & 15]
                let word = (x << 1) | (x >> 31)
                w[t & 15] = word
                return word
            }
            @inline(__always) func round(_ f: UInt32, _ k: UInt32, _ word: UInt32) {
                let temp = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ word
                e = d; d = c; c = (b << 30) | (b >> 2); b = a; a = temp
            }
            for t in 0..<20 { round((b & c) | (~b & d), 0x5A82_7999, schedule(t)) }
            for t in 20..<40 { round(b ^ c ^ d, 0x6ED9_EBA1, schedule(t)) }
            for t in 40..<60 { round((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, schedule(t)) }
            for t in 60..<80 { round(b ^ c ^ d, 0xCA62_C1D6, schedule(t)) }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
    }
}
