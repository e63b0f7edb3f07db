/// The ids of the short stretches a merger's cut pieces were made of lately, in a table small enough to stay in the
/// CPU's cache: a front for the rank table and the piece cache, for `BytePairMerger.mergeCut`.
///
/// Why: a run of Chinese or Japanese letters is one piece of the named patterns, and the cutter splits it into
/// characters and short words (`PieceCutter`); with cl100k_base, 83% of the CJK characters of public_multi are one
/// token each, from only 639 distinct characters (3,123 distinct characters in all). Looked up in the rank table
/// (megabytes, a hash and a probe that misses the CPU's cache), then asked whether the token `reaches`, then, if it is
/// no token, in the piece cache, each such stretch cost as much as a whole piece of English. Here it is one load of a
/// 16-byte entry, keyed by the stretch's bytes. `TokkitBench encode`, cold, one thread, against the merger without it
/// (bench/RESULTS.md, "Session 44"; best / second / median of 8): public_multi cl100k_base 1.088 / 1.084 / 1.018,
/// o200k_base 1.029 / 1.029 / 1.025, public_en cl100k_base 1.027 / 1.030 / 1.027. Entries (public_multi cl100k_base,
/// MB/CPU-s): 2^10 gave 83–84, 2^12 79–87, 2^13 to 2^16 86–89; 2^14 here, 256 KB.
///
/// Direct-mapped: a stretch takes the one entry its key hashes to, replacing what was there. An entry holds the
/// stretch's bytes (3 to 8, as one word), its length and up to three ids of up to 19 bits; stretches with more ids,
/// or with a larger id, are not kept. The ids are what `mergeCut` wrote for the stretch, so a hit writes the same.
struct StretchMemo {
    /// The stretch lengths kept: shorter ones are a byte or the dense byte-pair table's, longer ones would need a
    /// second word of key (not measured).
    static let shortest = 3
    static let longest = 8
    private static let bits = 14
    private static let idBits: UInt64 = 19
    private static let idMask: UInt64 = (1 << idBits) - 1

    /// Two words per entry: the key, then the length (4 bits), the id count (2 bits) and the ids. Empty until the
    /// first insert, so that a merger that never cuts allocates nothing; a zero second word is an empty entry.
    private var entries: [UInt64] = []

    @inline(__always)
    private static func index(_ key: UInt64, _ length: Int) -> Int {
        Int(truncatingIfNeeded: ((key ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits)) &<< 1
    }

    /// Writes the ids kept for the `length` bytes whose `ByteHash.prefix` is `key` at `output`; their count, or
    /// `nil` when they are not kept. Always stores three ids' worth at `output` (the unused ones are garbage): the
    /// caller has room for an id per byte of the stretch, and a stretch here has three bytes or more.
    @inline(__always)
    func copyIDs(key: UInt64, length: Int, to output: UnsafeMutablePointer<TokenID>) -> Int? {
        entries.withUnsafeBufferPointer { entries -> Int? in
            guard !entries.isEmpty else { return nil }
            let at = Self.index(key, length)
            let packed = entries[at &+ 1]
            guard entries[at] == key, packed & 0xF == UInt64(length) else { return nil }
            let count = Int(truncatingIfNeeded: packed >> 4 & 3)
            output[0] = TokenID(truncatingIfNeeded: packed >> 6 & Self.idMask)
            output[1] = TokenID(truncatingIfNeeded: packed >> (6 + Self.idBits) & Self.idMask)
            output[2] = TokenID(truncatingIfNeeded: packed >> (6 + 2 * Self.idBits))
            return count
        }
    }

    /// Keeps the `count` ids at `ids` of the `length` bytes whose `ByteHash.prefix` is `key`, when they fit an entry.
    mutating func insert(key: UInt64, length: Int, ids: UnsafePointer<TokenID>, count: Int) {
        guard count >= 1, count <= 3 else { return }
        var packed = UInt64(length) | UInt64(count) << 4
        for k in 0..<count {
            guard UInt64(ids[k]) <= Self.idMask else { return }
            packed |= UInt64(ids[k]) << (6 + UInt64(k) * Self.idBits)
        }
        if entries.isEmpty { entries = [UInt64](repeating: 0, count: 2 << Self.bits) }
        let at = Self.index(key, length)
        entries[at] = key
        entries[at + 1] = packed
    }
}
