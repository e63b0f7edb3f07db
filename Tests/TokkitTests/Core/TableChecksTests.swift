import CTableChecks
import Testing
import TokkitCore

/// The C structure checks of mapped rank tables (CTableChecks): the AVX2 loops and the portable ones give
/// the answer of a plain reference written from the layout, on valid tables and on tables with one bad
/// slot at every position a vector loop treats differently (each lane, the tail).
@Suite("Table checks: AVX2 and portable loops equal the reference")
struct TableChecksTests {
    /// A pair-merge slot is valid when empty, or when its merged rank (bits 42 and up) less one and its
    /// two 21-bit fields are all below `rankEnd`; a table needs one empty slot.
    static func referencePairMerge(_ slots: [UInt64], rankEnd: UInt64) -> Bool {
        let mask: UInt64 = 1 << 21 - 1
        let fine = slots.allSatisfy { slot in
            slot == 0 || (slot >> 42 >= 1 && slot >> 42 <= rankEnd && (slot >> 21) & mask < rankEnd && slot & mask < rankEnd)
        }
        return fine && slots.contains(0)
    }

    /// The used slots (second word non-zero), or `nil` when one's low 32 bits are not in 1...limit.
    static func referenceRankSlots(_ words: [UInt64], limit: UInt64) -> Int? {
        var used = 0
        for pair in 0..<(words.count / 2) where words[2 * pair + 1] != 0 {
            let index = words[2 * pair + 1] & 0xFFFF_FFFF
            guard index >= 1, index <= limit else { return nil }
            used += 1
        }
        return used
    }

    static func pairMerge(_ slots: [UInt64], rankEnd: UInt64, vector: Bool) -> Bool {
        slots.withUnsafeBufferPointer { tk_pair_merge_slots_valid($0.baseAddress, $0.count, rankEnd, vector ? 1 : 0) != 0 }
    }

    static func rankSlots(_ words: [UInt64], limit: UInt64, vector: Bool) -> Int? {
        let filled = words.withUnsafeBufferPointer { tk_rank_slots_filled($0.baseAddress, $0.count / 2, limit, vector ? 1 : 0) }
        return filled < 0 ? nil : Int(filled)
    }

    #if arch(x86_64)
    /// Fails on an x86-64 CPU without AVX2, where the comparisons below would cover the portable loops only.
    @Test("this machine runs the AVX2 loops (CI's does), so the comparisons below cover them")
    func accelerated() {
        #expect(tk_table_checks_accelerated() == 1)
    }
    #endif

    @Test("pair-merge slots: valid tables, and one bad field, a missing empty slot, at every lane and in the tail",
          arguments: [0, 1, 3, 4, 5, 7, 64, 67])
    func pairMergeSlots(count: Int) {
        var random = SplitMix64(seed: UInt64(count) &+ 29)
        let rankEnd: UInt64 = 100_277
        let field = { (value: UInt64) in value % rankEnd }
        func slot() -> UInt64 {
            random.next() % 3 == 0 ? 0 : (field(random.next()) + 1) << 42 | field(random.next()) << 21 | field(random.next())
        }
        var slots = (0..<count).map { _ in slot() }
        if count > 0 { slots[Int(random.next() % UInt64(count))] = 0 }
        var cases: [[UInt64]] = [slots, slots.map { $0 == 0 ? 1 << 42 : $0 }]
        // One bad slot at each position: each field just out of range, a merged rank of 0 with other bits set.
        for position in 0..<count {
            for bad: UInt64 in [(rankEnd + 1) << 42 | 1, 1 << 42 | rankEnd << 21, 1 << 42 | rankEnd, 5 << 21, (1 << 22 - 1) << 42] {
                var broken = slots
                broken[position] = bad
                cases.append(broken)
            }
            var edge = slots
            edge[position] = rankEnd << 42 | (rankEnd - 1) << 21 | (rankEnd - 1)  // the largest valid slot
            cases.append(edge)
        }
        for table in cases {
            let expected = Self.referencePairMerge(table, rankEnd: rankEnd)
            #expect(Self.pairMerge(table, rankEnd: rankEnd, vector: true) == expected)
            #expect(Self.pairMerge(table, rankEnd: rankEnd, vector: false) == expected)
        }
    }

    @Test("rank-table slots: the used count, and one index of 0 or past the limit at every pair and in the tail",
          arguments: [0, 1, 2, 3, 4, 9, 64, 65])
    func rankSlots(pairs: Int) {
        var random = SplitMix64(seed: UInt64(pairs) &+ 31)
        let limit: UInt64 = 50_257
        var words = [UInt64](repeating: 0, count: 2 * pairs)
        for pair in 0..<pairs where random.next() % 4 != 0 {
            words[2 * pair] = random.next()  // the key's prefix: never checked
            words[2 * pair + 1] = (random.next() & 0xFFFF_FFFF_0000_0000) | (random.next() % limit + 1)
        }
        var cases = [words]
        for pair in 0..<pairs {
            for bad: UInt64 in [1 << 32, limit + 1, 0xFFFF_FFFF, 7 << 40 | (limit + 1)] {
                var broken = words
                broken[2 * pair + 1] = bad
                cases.append(broken)
            }
            var edge = words
            edge[2 * pair + 1] = limit
            cases.append(edge)
        }
        for table in cases {
            let expected = Self.referenceRankSlots(table, limit: limit)
            #expect(Self.rankSlots(table, limit: limit, vector: true) == expected)
            #expect(Self.rankSlots(table, limit: limit, vector: false) == expected)
        }
    }
}
