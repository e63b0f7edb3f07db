/// The tokens created so far, by id: their bytes in the package's interning table
/// (``ByteStringTable``), and their lengths in a dense buffer the merge loop reads per symbol.
///
/// The interning is what lets the trainer notice that a merge produced bytes that already are a token
/// (HF PR #286) and reuse that id, keeping every token's bytes unique.
struct TokenTable: ~Copyable {
    private var strings: ByteStringTable
    /// Token lengths by id, for the merge loop's length limit (one load, no offsets arithmetic).
    private(set) var lengths: RawBuffer<UInt32>

    /// The 256 single-byte tokens, token `i` being `byteOrder[i]`.
    init(byteOrder: [UInt8], expectedTokens: Int) {
        strings = ByteStringTable(expectedCount: expectedTokens)
        lengths = RawBuffer(capacity: expectedTokens)
        for byte in byteOrder {
            // 256 distinct single bytes: far below both limits of the table.
            _ = try? strings.intern([byte])
            lengths.append(1)
        }
    }

    var count: Int { strings.count }

    /// The id of the concatenation of tokens `left` and `right`, registering it as a new token when
    /// it is not one yet. Returns the id and whether it is new.
    ///
    /// - Complexity: O(length of the result) expected.
    /// - Throws: `TrainerError.tokenBytesFull` when the tokens' bytes would pass 4 GiB.
    mutating func concatenate(_ left: UInt32, _ right: UInt32) throws(TrainerError) -> (id: UInt32, isNew: Bool) {
        let (index, inserted): (Int, Bool)
        do { (index, inserted) = try strings.internConcatenation(Int(left), Int(right)) } catch {
            throw .tokenBytesFull(limit: ByteStringTable.maximumBytes)
        }
        if inserted { lengths.append(lengths[Int(left)] &+ lengths[Int(right)]) }
        return (UInt32(index), inserted)
    }

    /// The bytes of every token, by id.
    func allTokens() -> [[UInt8]] {
        (0..<count).map { strings.bytes(at: $0) }
    }
}
