import Testing
@testable import TokkitCore

@Suite("PieceCache: bounded by entries and by the words of its records")
struct PieceCacheTests {
    /// Pieces of the longest cacheable length, each with one id per byte, fill the records long
    /// before the entry count: the record limit must empty the cache, and what was inserted after that
    /// must still come back whole.
    @Test("long pieces fill the records: the cache empties at the record limit and keeps answering exactly")
    func recordLimit() {
        let length = PieceCache.maxPieceLength
        let recordWords = 1 + (length + 3) / 4 + length
        let perFill = PieceCache.recordLimit / recordWords
        let total = perFill + perFill / 2
        #expect(total < PieceCache.capacity, "the entry count must not be what empties the cache here")
        var cache = PieceCache()
        var out = [TokenID](repeating: 0, count: length)
        var mismatches = 0
        for i in 0..<total {
            let key = Self.key(i, length: length)
            let ids = (0..<length).map { TokenID(truncatingIfNeeded: i &* 7919 &+ $0) }
            key.withUnsafeBufferPointer { key in
                ids.withUnsafeBufferPointer { ids in
                    cache.insert(key.baseAddress!, count: length, hash: ByteHash.hash(key.baseAddress!, count: length), ids: ids)
                }
                let found = out.withUnsafeMutableBufferPointer {
                    cache.copyIDs(of: key.baseAddress!, count: length, hash: ByteHash.hash(key.baseAddress!, count: length), to: $0.baseAddress!)
                }
                if found != length || out != ids { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        // The first fill was emptied when the records ran out; every piece since is still there.
        var kept = 0
        var wrong = 0
        for i in 0..<total {
            let key = Self.key(i, length: length)
            let found = key.withUnsafeBufferPointer { key in
                out.withUnsafeMutableBufferPointer {
                    cache.copyIDs(of: key.baseAddress!, count: length, hash: ByteHash.hash(key.baseAddress!, count: length), to: $0.baseAddress!)
                }
            }
            if found > 0 {
                kept += 1
                if found != length || out != (0..<length).map({ TokenID(truncatingIfNeeded: i &* 7919 &+ $0) }) { wrong += 1 }
            }
        }
        #expect(wrong == 0)
        #expect(kept == total - perFill, "pieces kept after the record limit emptied the cache")
    }

    /// The merger's pattern: probe, miss, insert at the slot where the probe ended. Enough short keys
    /// of every length 3 to 11 (bytes that are no UTF-8: 0x80–0xFF) to make the slots double ten
    /// times and then reach `capacity`, which empties the cache: every key inserted since must come
    /// back with its own ids, across every doubling (slots placed again from their tags alone) and
    /// after the emptying (records written over old ones, padding left as it was).
    @Test("misses inserted where the probe ended survive every doubling and the emptying at capacity")
    func growthAndEmptying() {
        let total = PieceCache.capacity + 3_000
        var cache = PieceCache()
        var out = [TokenID](repeating: 0, count: 16)
        var wrongMiss = 0
        var lost = 0
        var checked = 0
        for i in 0..<total {
            let key = Self.shortKey(i)
            let ids = Self.ids(i, count: key.count)
            key.withUnsafeBufferPointer { key in
                let hash = ByteHash.hash(key.baseAddress!, count: key.count)
                var emptySlot = 0
                let found = out.withUnsafeMutableBufferPointer {
                    cache.copyIDs(of: key.baseAddress!, count: key.count, hash: hash, to: $0.baseAddress!, emptySlot: &emptySlot)
                }
                if found != 0 { wrongMiss += 1 }
                ids.withUnsafeBufferPointer { cache.insert(key.baseAddress!, count: key.count, hash: hash, ids: $0, emptySlot: emptySlot) }
            }
            // Right after each doubling (inserting key 512, 1,024, …) and at the end, every key since
            // the last emptying must be found.
            if i.nonzeroBitCount == 1 && i >= 512 || i == total - 1 {
                let first = i >= PieceCache.capacity ? PieceCache.capacity : 0
                for j in first...i where !found(j, in: cache, out: &out) { lost += 1 }
                checked += 1
            }
        }
        #expect(wrongMiss == 0, "distinct keys must miss before they are inserted")
        #expect(checked >= 9)
        #expect(lost == 0, "keys lost or given the wrong ids")
        // The emptying dropped the first fill.
        #expect(!found(0, in: cache, out: &out) && !found(PieceCache.capacity - 1, in: cache, out: &out))
    }

    private func found(_ i: Int, in cache: PieceCache, out: inout [TokenID]) -> Bool {
        let key = Self.shortKey(i)
        let count = key.withUnsafeBufferPointer { key in
            out.withUnsafeMutableBufferPointer {
                cache.copyIDs(of: key.baseAddress!, count: key.count, hash: ByteHash.hash(key.baseAddress!, count: key.count), to: $0.baseAddress!)
            }
        }
        return count > 0 && Array(out[..<count]) == Self.ids(i, count: key.count)
    }

    /// Key `i`: 3 to 11 bytes, all of them 0x80 or more (no UTF-8 text is made of them), distinct for
    /// every `i` below 2^21.
    static func shortKey(_ i: Int) -> [UInt8] {
        let length = 3 + i % 9
        return (0..<length).map { (k: Int) -> UInt8 in
            let low: Int = k < 3 ? (i >> (7 * k)) & 0x7F : (i &* 31 &+ k) & 0x7F
            return UInt8(0x80 | low)
        }
    }

    /// One to `count` ids, different for every key.
    static func ids(_ i: Int, count: Int) -> [TokenID] {
        (0..<(1 + i % count)).map { TokenID(truncatingIfNeeded: i &* 7 &+ $0) }
    }

    /// Distinct keys: the index spelled in the first bytes, the rest a filler. Hashed with `ByteHash`
    /// as the merger hashes pieces: the cache hashes its keys again when it grows.
    static func key(_ i: Int, length: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0x2D, count: length)
        for k in 0..<8 { bytes[k] = UInt8(truncatingIfNeeded: i >> (8 * k)) }
        return bytes
    }
}
