import CPrefetch

/// The ids of pieces that needed merging, kept so that a word seen again is not merged again.
///
/// The vocabulary already answers for pieces that are single tokens (tiktoken: "the vocabulary is
/// the cache"); this cache holds the rest, which in real text repeat with a Zipf tail (`" Kernel"`,
/// `"ологи"`). One per worker, never shared, so no locks. Bounded: at most `capacity` entries of at
/// most `maxPieceLength` bytes, and at most `recordLimit` words of records (2 MB of slots and at most
/// 8 MB of records); when full it is emptied at once, which costs less than tracking recency and keeps
/// the steady state free of allocation. 2^17 entries rather than 2^15: on 24 MB of English the smaller
/// cache filled and emptied often enough to cost 15% of encode time.
///
/// Layout: a hit should touch two cache lines, the slot and the entry. So each entry is one record
/// in a single `UInt32` arena: a header (key length, id count), the key bytes, then the ids. With
/// key, lengths and ids in four separate arrays, a hit cost four cache misses, which on
/// multilingual text (where nearly half the pieces are cache hits) was a tenth of encode time.
@usableFromInline
struct PieceCache: Sendable {
    /// Longer pieces are rare and not worth their memory. Up to 512 bytes rather than 64: the long
    /// pieces of real text are mostly table rules and separators (`"┌────┬────"`, `"-----"`), which
    /// repeat and take the heap merger, at about 350 instructions a byte: 10 MB of public_multi has 857
    /// pieces of 100 to 400 bytes, 180 of them distinct, 8% of its cl100k encode instructions.
    @usableFromInline static let maxPieceLength = 512
    static let capacity = 1 << 17
    /// Words of records: a bound on memory that only pieces far longer than the usual few bytes reach.
    static let recordLimit = 1 << 21

    /// Open addressing: `(hash >> 32) << 32 | (record offset + 1)`, 0 when empty. Starts as one
    /// empty slot and doubles (at most half full) up to `2 × capacity`: encoding one short string
    /// must not pay for zeroing megabytes.
    @usableFromInline private(set) var slots: [UInt64] = [0]
    @usableFromInline private(set) var mask = 0
    /// Records back to back: `keyLength | idCount << 16`, then `keyLength` bytes padded to whole
    /// words, then `idCount` ids.
    private var records: [UInt32] = []
    private var count = 0

    init() {}

    /// Writes the cached ids of the `count` bytes at `bytes` (whose hash is `hash`) at `ids`, which
    /// has room for `count` ids.
    /// - Returns: how many ids were written; 0 on a miss.
    @inline(__always)
    func copyIDs(of bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, to ids: UnsafeMutablePointer<TokenID>) -> Int {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var position = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            records.withUnsafeBufferPointer { records in
                while true {
                    let slot = slots[position]
                    if slot == 0 { return 0 }
                    if slot & 0xFFFF_FFFF_0000_0000 == tag {
                        let record = records.baseAddress! + (Int(slot & 0xFFFF_FFFF) &- 1)
                        let header = record.pointee
                        if Int(header & 0xFFFF) == count, ByteHash.equal(record + 1, bytes, count: count) {
                            let cached = record + 1 + (count &+ 3) / 4
                            let idCount = Int(header >> 16)
                            // Most cached pieces are two to four ids: a loop costs less than a call to memcpy.
                            for k in 0..<idCount { ids[k] = cached[k] }
                            return idCount
                        }
                    }
                    position = (position &+ 1) & mask
                }
            }
        }
    }

    /// Starts loading the slot where a piece with this hash is looked for first.
    @inlinable @inline(__always)
    func prefetch(hash: UInt64) {
        slots.withUnsafeBufferPointer { tk_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: hash) & mask)) }
    }

    /// Remembers that the piece at `bytes` encodes to `pieceIDs`; the caller has just missed it.
    mutating func insert(_ bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, ids pieceIDs: UnsafeBufferPointer<TokenID>) {
        guard count <= Self.maxPieceLength else { return }
        let keyWords = (count + 3) / 4
        if self.count >= Self.capacity || records.count + 1 + keyWords + pieceIDs.count > Self.recordLimit {
            self.count = 0
            records.removeAll(keepingCapacity: true)
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else if (self.count + 1) * 2 > slots.count {
            grow()
        }
        let start = records.count
        place(hash: hash, record: start)
        self.count += 1
        // One append of the whole record, then its words written in place: three appends (header,
        // key, ids) cost more than the copying.
        records.append(contentsOf: repeatElement(0, count: 1 + keyWords + pieceIDs.count))
        records.withUnsafeMutableBufferPointer { records in
            let record = records.baseAddress! + start
            record.pointee = UInt32(count) | UInt32(pieceIDs.count) << 16
            UnsafeMutableRawPointer(record + 1).copyMemory(from: bytes, byteCount: count)
            if let first = pieceIDs.baseAddress { (record + 1 + keyWords).update(from: first, count: pieceIDs.count) }
        }
    }

    private mutating func place(hash: UInt64, record: Int) {
        var position = Int(truncatingIfNeeded: hash) & mask
        while slots[position] != 0 { position = (position &+ 1) & mask }
        slots[position] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(record + 1)
    }

    /// Doubles the slots (to 1,024 at first) and places every record again.
    private mutating func grow() {
        let size = max(1 << 10, slots.count * 2)
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        var record = 0
        while record < records.count {
            let header = records[record]
            let keyLength = Int(header & 0xFFFF)
            let hash = records.withUnsafeBytes { ByteHash.hash($0.baseAddress! + 4 * (record + 1), count: keyLength) }
            place(hash: hash, record: record)
            record += 1 + (keyLength + 3) / 4 + Int(header >> 16)
        }
    }
}
