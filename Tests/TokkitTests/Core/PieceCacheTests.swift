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

    /// Distinct keys: the index spelled in the first bytes, the rest a filler. Hashed with `ByteHash`
    /// as the merger hashes pieces: the cache hashes its keys again when it grows.
    static func key(_ i: Int, length: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0x2D, count: length)
        for k in 0..<8 { bytes[k] = UInt8(truncatingIfNeeded: i >> (8 * k)) }
        return bytes
    }
}
