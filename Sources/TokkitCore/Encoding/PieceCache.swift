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

    /// Open addressing: `(hash >> 32) << 32 | (record offset + 1)`, 0 when empty. A key's home is
    /// its tag's low bits (`home(_:)`), so growing places the slots again from the slots alone,
    /// without reading or hashing a record: hashing every record again cost 6.5 M instructions on
    /// 10 MB of English (cl100k_base, eight doublings), 1.2% of encoding it. Starts as one empty
    /// slot and doubles (at most half full) up to `2 × capacity`: encoding one short string must not
    /// pay for zeroing megabytes.
    @usableFromInline private(set) var slots: [UInt64] = [0]
    @usableFromInline private(set) var mask = 0
    /// Records back to back: `keyLength | idCount << 16`, then `keyLength` bytes padded to whole
    /// words, then `idCount` ids. Only the first `recordsUsed` words are records: the array is grown
    /// in doublings and written in place, because appending each record cost ~150 instructions a
    /// miss in the generic `append(contentsOf:)`.
    private var records: [UInt32] = []
    private var recordsUsed = 0
    private var count = 0

    init() {}

    /// The slot where a key whose hash is `hash` is looked for first.
    @inlinable @inline(__always)
    static func home(_ hash: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: hash >> 32) & mask
    }

    /// Writes the cached ids of the `count` bytes at `bytes` (whose hash is `hash`) at `ids`, which
    /// has room for `count` ids.
    /// - Parameter emptySlot: on a miss, set to the empty slot that ended the probe: where `insert`
    ///   puts the piece, so that it does not walk the same slots again.
    /// - Returns: how many ids were written; 0 on a miss.
    @inline(__always)
    func copyIDs(of bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, to ids: UnsafeMutablePointer<TokenID>,
                 emptySlot: inout Int) -> Int {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var position = Self.home(hash, mask: mask)
        return slots.withUnsafeBufferPointer { slots in
            records.withUnsafeBufferPointer { records in
                while true {
                    let slot = slots[position]
                    if slot == 0 {
                        emptySlot = position
                        return 0
                    }
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

    /// `copyIDs` for a caller that will not insert on a miss.
    func copyIDs(of bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, to ids: UnsafeMutablePointer<TokenID>) -> Int {
        var emptySlot = 0
        return copyIDs(of: bytes, count: count, hash: hash, to: ids, emptySlot: &emptySlot)
    }

    /// Starts loading the slot where a piece with this hash is looked for first.
    @inlinable @inline(__always)
    func prefetch(hash: UInt64) {
        slots.withUnsafeBufferPointer { tk_prefetch($0.baseAddress! + Self.home(hash, mask: mask)) }
    }

    /// Remembers that the piece at `bytes` encodes to `pieceIDs`; the caller has just missed it, and
    /// `emptySlot` is where that probe ended (`copyIDs`), with nothing inserted since.
    mutating func insert(_ bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, ids pieceIDs: UnsafeBufferPointer<TokenID>,
                         emptySlot: Int) {
        guard count <= Self.maxPieceLength else { return }
        let keyWords = (count + 3) / 4
        let words = 1 + keyWords + pieceIDs.count
        var position = emptySlot
        if self.count >= Self.capacity || recordsUsed + words > Self.recordLimit {
            self.count = 0
            recordsUsed = 0
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            position = Self.home(hash, mask: mask)
        } else if (self.count + 1) * 2 > slots.count {
            grow()
            position = freeSlot(from: Self.home(hash, mask: mask))
        }
        let start = recordsUsed
        if start + words > records.count {
            // Room for every record there may be, reserved at the first growth past the first kilobytes, then
            // used 64 KiB at a time: memory not yet written costs nothing, where each doubling copied the records
            // into fresh pages and zeroed twice the words in use (10 MB of public_en lines, cl100k, two threads:
            // 754 of the process's ~5,700 page faults). In huge pages: records are read at random, and in 4 KiB pages
            // a hit missed the TLB too (with the rank tables in huge pages, public_multi cl100k 1.02–1.03× more;
            // bench/RESULTS.md, "Session 38").
            let grown: Int
            if records.count == 0 {
                grown = 1 << 10
            } else {
                if records.capacity < Self.recordLimit { records.reserveCapacityInHugePages(Self.recordLimit) }
                grown = records.count + (1 << 14)
            }
            records.append(contentsOf: repeatElement(0, count: max(start + words, min(Self.recordLimit, grown)) - records.count))
        }
        slots[position] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(start + 1)
        recordsUsed = start + words
        self.count += 1
        records.withUnsafeMutableBufferPointer { records in
            let record = records.baseAddress! + start
            record.pointee = UInt32(count) | UInt32(pieceIDs.count) << 16
            // Byte and id loops: pieces are a few bytes and ids, less than a call to memcpy costs.
            let key = UnsafeMutableRawPointer(record + 1)
            for k in 0..<count { key.storeBytes(of: bytes[k], toByteOffset: k, as: UInt8.self) }
            let ids = record + 1 + keyWords
            for k in 0..<pieceIDs.count { ids[k] = pieceIDs[k] }
        }
    }

    /// `insert` for a caller that has not just probed (tests): finds the empty slot itself.
    mutating func insert(_ bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, ids pieceIDs: UnsafeBufferPointer<TokenID>) {
        insert(bytes, count: count, hash: hash, ids: pieceIDs, emptySlot: freeSlot(from: Self.home(hash, mask: mask)))
    }

    /// The first empty slot from `position` on.
    private func freeSlot(from position: Int) -> Int {
        var position = position
        while slots[position] != 0 { position = (position &+ 1) & mask }
        return position
    }

    /// Doubles the slots (to 1,024 at first) and places every slot again by its tag.
    private mutating func grow() {
        let size = max(1 << 10, slots.count * 2)
        var grown = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        grown.withUnsafeMutableBufferPointer { grown in
            for slot in slots where slot != 0 {
                var position = Self.home(slot, mask: newMask)
                while grown[position] != 0 { position = (position &+ 1) & newMask }
                grown[position] = slot
            }
        }
        slots = grown
        mask = newMask
    }
}
