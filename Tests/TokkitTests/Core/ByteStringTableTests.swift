import Testing
@testable import TokkitCore

@Suite("Byte-string interning table: one index per distinct string, kept through growth")
struct ByteStringTableTests {
    /// Random byte strings of 0–40 bytes over a small alphabet, so that many repeat.
    static func strings(count: Int, seed: UInt64) -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let length = Int(random.next() % 41)
            return (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next() % 3) &+ 97 }
        }
    }

    @Test("gives the first index to equal bytes and a new index to new bytes, as a dictionary does, through many growths")
    func matchesDictionary() throws {
        var table = ByteStringTable(expectedCount: 1)
        var reference: [[UInt8]: Int] = [:]
        var order: [[UInt8]] = []
        for string in Self.strings(count: 30_000, seed: 7) {
            let (index, inserted) = try table.intern(string)
            if let known = reference[string] {
                #expect(index == known && !inserted)
            } else {
                #expect(index == order.count && inserted)
                reference[string] = index
                order.append(string)
            }
        }
        #expect(table.count == order.count)
        for (index, string) in order.enumerated() {
            #expect(table.bytes(at: index) == string)
            #expect(table.length(at: index) == string.count)
            #expect(table.index(of: string) == index)
        }
        // A planted difference is seen: a string never added is not found.
        #expect(table.index(of: Array("this string was never added".utf8)) == nil)
    }

    @Test("interns a concatenation once, and finds it again when a merge makes the same bytes")
    func concatenation() throws {
        var table = ByteStringTable()
        let a = try table.intern(Array("ab".utf8)).index
        let b = try table.intern(Array("c".utf8)).index
        let abc = try table.internConcatenation(a, b)
        #expect(abc.inserted && table.bytes(at: abc.index) == Array("abc".utf8))
        let whole = try table.intern(Array("abc".utf8))
        #expect(whole.index == abc.index && !whole.inserted)
        let x = try table.intern(Array("a".utf8)).index
        let y = try table.intern(Array("bc".utf8)).index
        let again = try table.internConcatenation(x, y)
        #expect(again.index == abc.index && !again.inserted)
        // A repeated concatenation leaves no bytes behind in the arena.
        #expect(table.arena.count == "abcabcabc".utf8.count)
    }

    @Test("keeps unindexed strings out of every lookup, also after the slots grow")
    func unindexed() throws {
        var table = ByteStringTable(expectedCount: 1)
        try table.intern(Array("x".utf8))
        try table.appendUnindexed([])
        try table.appendUnindexed(Array("x".utf8))
        for index in 0..<500 { try table.intern(Array("s\(index)".utf8)) }
        #expect(table.count == 503)
        #expect(table.index(of: Array("x".utf8)) == 0)
        #expect(table.index(of: []) == nil)
        #expect(table.length(at: 1) == 0 && table.bytes(at: 2) == Array("x".utf8))
        #expect(table.index(of: Array("s499".utf8)) == 502)
    }

    @Test("serves word counts, the trainer's tokens and the rank table with the same strings")
    func sharedByItsUsers() throws {
        var counts = WordCounts()
        try counts.add(Array("low".utf8), count: 2)
        try counts.add(Array("lowest".utf8))
        try counts.add(Array("low".utf8))
        #expect(counts.pieces.count == 2 && counts.counts == [3, 1])
        let vocabulary = try Vocabulary(tokens: [Array("low".utf8), Array("est".utf8)])
        #expect(vocabulary.table.index(of: Array("est".utf8)) == 1)
        #expect(throws: VocabularyError.duplicateToken(rank: 2, firstRank: 0)) {
            _ = try Vocabulary(tokens: [Array("low".utf8), Array("est".utf8), Array("low".utf8)])
        }
    }
}
