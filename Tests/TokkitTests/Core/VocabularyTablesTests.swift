import Testing
import Tokkit

@Suite("Vocabulary tables taken back from raw sections: every index the hot loops follow is checked first")
struct VocabularyTablesTests {
    static let firstRank: TokenID = 3

    /// The 256 bytes from rank 3, "ab", a gap (with a special token there), and two long tokens side
    /// by side (not short: decoded from the arena), then a short one.
    static func vocabulary() throws -> Vocabulary {
        var tokens: [[UInt8]?] = (0..<256).map { [UInt8($0)] }
        tokens += [Array("ab".utf8), nil, Array("abcdefghijklmnopqrstuvwxyz".utf8), Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8), Array("xyz".utf8)]
        return try Vocabulary(tokensOrGaps: tokens, firstRank: firstRank, specialTokens: [SpecialToken("<|gap|>", id: firstRank + 257)])
    }

    /// The vocabulary's sections after `damage`, taken back; `nil` when refused.
    static func reloaded(_ vocabulary: Vocabulary, _ damage: (inout [[UInt8]]) -> Void) throws -> Vocabulary? {
        try vocabulary.withTableSections { sections, scalars in
            var copies = sections.map { Array($0) }
            damage(&copies)
            return try withRawBuffers(copies) { try Vocabulary(sections: $0, scalars: scalars, specialTokens: vocabulary.specialTokens) }
        }
    }

    static func setWord<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ index: Int, _ value: T) {
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: index * MemoryLayout<T>.stride, as: T.self) }
    }

    static func word<T: FixedWidthInteger>(_ bytes: [UInt8], _ index: Int, as _: T.Type) -> T {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.stride, as: T.self) }
    }

    @Test("undamaged sections give the same vocabulary")
    func intact() throws {
        let vocabulary = try Self.vocabulary()
        let loaded = try #require(try Self.reloaded(vocabulary) { _ in })
        #expect(loaded.tokensOrGaps == vocabulary.tokensOrGaps)
        #expect(loaded.rank(of: Array("abcdefghijklmnopqrstuvwxyz".utf8)) == Self.firstRank + 258)
    }

    /// The pair-merge table's slots (section 9), each `(merged + 1) << 42 | left << 21 | right` or 0, after
    /// `change` of its first filled slot (and, with `fillEmpty`, every empty slot made a copy of it).
    static func reloaded(pairSlot change: (UInt64) -> UInt64, fillEmpty: Bool = false) throws -> Vocabulary? {
        try reloaded(try vocabulary()) { sections in
            let count = sections[9].count / 8
            let filled = (0..<count).first { word(sections[9], $0, as: UInt64.self) != 0 } ?? 0
            let slot = change(word(sections[9], filled, as: UInt64.self))
            setWord(&sections[9], filled, slot)
            for index in 0..<count where fillEmpty && word(sections[9], index, as: UInt64.self) == 0 {
                setWord(&sections[9], index, slot)
            }
        }
    }

    // Ranks run from 3 to 263: 264 is the first past the end.
    @Test("a pair-merge slot naming a rank past the end, merging into none, or a table with no empty slot is refused",
          arguments: ["merged past the end", "merged field 0", "left past the end", "right past the end",
                      "merged far past the end", "no empty slot"])
    func pairTableRefused(damage: String) throws {
        let end: UInt64 = 264, keyMask: UInt64 = 1 << 42 - 1, fieldMask: UInt64 = 1 << 21 - 1
        let loaded = try Self.reloaded(pairSlot: { slot in
            switch damage {
            case "merged past the end": return slot & keyMask | (end + 1) << 42
            case "merged field 0": return slot & keyMask
            case "left past the end": return slot & ~(fieldMask << 21) | end << 21
            case "right past the end": return slot & ~fieldMask | end
            case "merged far past the end": return slot & keyMask | UInt64(1 << 22 - 1) << 42
            default: return slot
            }
        }, fillEmpty: damage == "no empty slot")
        #expect(loaded == nil, "\(damage) was accepted")
    }

    @Test("a pair-merge slot naming the last rank in each field is accepted")
    func pairTableLastRank() throws {
        let last: UInt64 = 263, fieldMask: UInt64 = 1 << 21 - 1
        #expect(try Self.reloaded(pairSlot: { _ in (last + 1) << 42 | last << 21 | last }) != nil)
        #expect(try Self.reloaded(pairSlot: { $0 & ~fieldMask | last }) != nil)
    }

    // Sections: 0 arena, 1 offsets (UInt32), 2 slots (UInt64 pairs: tag, then the token's index + 1 in
    // the low half), 3 filter, 4 byte ranks, 5 byte-pair ranks, 6 decoding entries (16 bytes), 7 decoding
    // lengths, 8 gaps, 9 and 10 the pair-merge table, 11 the cutter's sets, 12 the long slots.
    // The decoding entries of a table of at most 65,536 tokens are padded to a power of two (`paddedCount`).
    @Test("one inconsistent value in a section is refused", arguments: [
        "length", "entry length", "descending offset", "slot past the tokens", "slot of index 0",
        "byte rank past the end", "byte rank below the first", "pair rank past the end",
        "padding entry short", "padding cut", "cutter sets cut",
        "long slot past the tokens", "long slot of index 0", "no empty long slot", "long slots cut",
    ])
    func refused(damage: String) throws {
        let vocabulary = try Self.vocabulary()
        let count = 261
        let loaded = try Self.reloaded(vocabulary) { sections in
            switch damage {
            case "length": sections[7][256] = 3  // "ab" is two bytes long
            case "entry length": sections[6][16 * 256 + 15] = 3
            case "descending offset":
                // Token 258 ends before it starts: both long tokens still look "not short", so only the
                // order of the offsets tells.
                Self.setWord(&sections[1], 259, Self.word(sections[1], 258, as: UInt32.self) - 1)
            case "slot past the tokens", "slot of index 0":
                let slots = sections[2].count / 8
                let filled = (0..<(slots / 2)).first { Self.word(sections[2], 2 * $0 + 1, as: UInt64.self) != 0 } ?? 0
                let word = Self.word(sections[2], 2 * filled + 1, as: UInt64.self) & ~0xFFFF_FFFF
                Self.setWord(&sections[2], 2 * filled + 1, word | (damage == "slot of index 0" ? 1 << 40 : UInt64(count + 1)))
            // 261 tokens are padded to 512 entries, each past the last token marked not short.
            case "padding entry short": sections[6][16 * 300 + 15] = 3
            case "padding cut": sections[6].removeLast(16)
            case "cutter sets cut": sections[11].removeLast(8)
            // Section 12, the long slots: four words each, the third the meta word (index + 1 in its low half).
            case "long slot past the tokens": Self.setWord(&sections[12], 2, UInt64(1) << 40 | UInt64(count + 1))
            case "long slot of index 0": Self.setWord(&sections[12], 2, UInt64(1) << 40)
            case "no empty long slot":
                for slot in 0..<(sections[12].count / 32) { Self.setWord(&sections[12], 4 * slot + 2, UInt64(1) << 40 | 1) }
            case "long slots cut": sections[12].removeLast(32)
            case "byte rank past the end": Self.setWord(&sections[4], 7, Self.firstRank + TokenID(count))
            case "byte rank below the first": Self.setWord(&sections[4], 7, Self.firstRank - 1)
            default: Self.setWord(&sections[5], Int(UInt8(ascii: "a")) << 8 | Int(UInt8(ascii: "b")), Self.firstRank + TokenID(count))
            }
        }
        #expect(loaded == nil, "\(damage) was accepted")
    }
}
