/// The tokens created so far (bytes by id) and a byte-string → id index over them.
///
/// The index is what lets the trainer notice that a merge produced bytes that already are a token
/// (HF PR #286) and reuse that id, keeping every token's bytes unique.
struct TokenTable: ~Copyable {
    private(set) var bytes: RawBuffer<UInt8>
    private(set) var starts: RawBuffer<Int>
    private(set) var lengths: RawBuffer<UInt32>
    /// `0` = empty, else token id + 1. Power-of-two size, load ≤ ½.
    private var slots: RawBuffer<UInt32>

    /// The 256 single-byte tokens, token `i` being `byteOrder[i]`.
    init(byteOrder: [UInt8], expectedTokens: Int) {
        bytes = RawBuffer(capacity: expectedTokens * 8)
        starts = RawBuffer(capacity: expectedTokens)
        lengths = RawBuffer(capacity: expectedTokens)
        var capacity = 1024
        while capacity < expectedTokens * 2 { capacity *= 2 }
        slots = RawBuffer(repeating: 0, count: capacity)
        for byte in byteOrder {
            starts.append(bytes.count)
            lengths.append(1)
            bytes.append(byte)
        }
    }

    var count: Int { starts.count }

    /// The id of the concatenation of tokens `left` and `right`, registering it as a new token when
    /// it is not one yet. Returns the id and whether it is new.
    ///
    /// - Complexity: O(length of the result) expected.
    mutating func concatenate(_ left: UInt32, _ right: UInt32) -> (id: UInt32, isNew: Bool) {
        let start = bytes.count
        let leftLength = Int(lengths[Int(left)]), rightLength = Int(lengths[Int(right)])
        let total = leftLength + rightLength
        bytes.reserve(start + total)
        // Append first, then look up the appended copy; drop it again if it already existed.
        for offset in 0..<leftLength { bytes.append(bytes[starts[Int(left)] + offset]) }
        for offset in 0..<rightLength { bytes.append(bytes[starts[Int(right)] + offset]) }
        let candidate = UnsafeRawPointer(bytes.base + start)
        let hash = ByteHash.hash(candidate, count: total)
        var index = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while slots[index] != 0 {
            let id = Int(slots[index] - 1)
            if Int(lengths[id]) == total,
               ByteHash.equal(UnsafeRawPointer(bytes.base + starts[id]), candidate, count: total) {
                bytes.truncate(to: start)
                return (UInt32(id), false)
            }
            index = (index + 1) & (slots.count - 1)
        }
        let id = starts.count
        starts.append(start)
        lengths.append(UInt32(total))
        slots[index] = UInt32(id + 1)
        if count * 2 > slots.count { rehash() }
        return (UInt32(id), true)
    }

    /// The bytes of every token, by id.
    func allTokens() -> [[UInt8]] {
        (0..<count).map { id in Array(UnsafeBufferPointer(start: bytes.base + starts[id], count: Int(lengths[id]))) }
    }

    private mutating func rehash() {
        let capacity = slots.count * 2
        slots.reset(repeating: 0, count: capacity)
        for id in 256..<count {
            let hash = ByteHash.hash(UnsafeRawPointer(bytes.base + starts[id]), count: Int(lengths[id]))
            var index = Int(truncatingIfNeeded: hash) & (capacity - 1)
            while slots[index] != 0 { index = (index + 1) & (capacity - 1) }
            slots[index] = UInt32(id + 1)
        }
    }
}
