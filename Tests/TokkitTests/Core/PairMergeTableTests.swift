import Testing
import Tokkit

@Suite("Pair merge table: merging by ids answers exactly what a byte lookup of the concatenation does")
struct PairMergeTableTests {
    /// The 256 bytes, then every distinct run of 2 to 10 bytes of a few sentences (English, Russian,
    /// Chinese, an emoji), so tokens have many splits into two tokens, keys reach past the rank
    /// table's eight-byte slot prefix, and multi-byte characters are cut at every byte.
    static func vocabulary(firstRank: TokenID = 0) throws -> Vocabulary {
        let text = Array("the theme thermal; привет приветствие 中文中文字 😀😀 aab".utf8)
        var tokens = (0..<256).map { [UInt8($0)] }
        var seen = Set(tokens)
        for length in 2...10 {
            for start in 0...(text.count - length) {
                let run = Array(text[start..<(start + length)])
                if seen.insert(run).inserted { tokens.append(run) }
            }
        }
        return try Vocabulary(tokens: tokens, firstRank: firstRank)
    }

    /// Every ordered pair of tokens whose pair-table answer differs from the byte lookup of their
    /// concatenation, as `(left, right, table, bytes)`.
    static func disagreements(in vocabulary: Vocabulary) -> [(TokenID, TokenID, TokenID?, TokenID?)] {
        let ids = (vocabulary.firstRank..<vocabulary.mergeableEnd).filter { vocabulary.bytes(of: $0) != nil }
        var found: [(TokenID, TokenID, TokenID?, TokenID?)] = []
        for left in ids {
            let leftBytes = vocabulary.bytes(of: left)!
            for right in ids {
                let byBytes = vocabulary.rank(of: leftBytes + vocabulary.bytes(of: right)!)
                let byIDs = vocabulary.pairMergeRank(left, right)
                if byBytes != byIDs { found.append((left, right, byIDs, byBytes)) }
            }
        }
        return found
    }

    @Test("every ordered pair of tokens of a small vocabulary: the table agrees with the byte lookup")
    func everyPair() throws {
        let vocabulary = try Self.vocabulary()
        #expect(vocabulary.mergeableCount > 800)
        var splits = 0
        for id in vocabulary.firstRank..<vocabulary.mergeableEnd {
            let bytes = vocabulary.bytes(of: id)!
            for cut in bytes.indices.dropFirst() {
                if let left = vocabulary.rank(of: Array(bytes[..<cut])), let right = vocabulary.rank(of: Array(bytes[cut...])) {
                    #expect(vocabulary.pairMergeRank(left, right) == id)
                    splits += 1
                }
            }
        }
        #expect(splits > 2_500, "the vocabulary has tokens with many two-token splits")
        let wrong = Self.disagreements(in: vocabulary)
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    @Test("a planted wrong entry, read back as a cached table, is caught by the same comparison")
    func plantedEntry() throws {
        let vocabulary = try Self.vocabulary()
        let built = try vocabulary.withTableSections { sections, scalars throws -> Vocabulary? in
            var copies = sections.map { Array($0) }
            // Section 9 is the pair table's slots; its first filled slot now merges into another rank.
            var words = copies[9].withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
            guard let filled = words.firstIndex(where: { $0 != 0 }) else { return nil }
            let wrong: UInt64 = words[filled] >> 42 == 301 ? 302 : 301  // rank 300 or 301, plus one
            words[filled] = words[filled] & (1 << 42 - 1) | wrong << 42
            copies[9] = words.withUnsafeBytes { Array($0) }
            return try withRawBuffers(copies) { try Vocabulary(sections: $0, scalars: scalars, specialTokens: []) }
        }
        let planted = try #require(built, "the changed sections still form a table")
        #expect(Self.disagreements(in: planted).count == 1)
    }

    @Test("a vocabulary whose ranks do not fit the table merges without it, to the same ids")
    func ranksTooLarge() throws {
        let offset: TokenID = 3_000_000
        let small = try Self.vocabulary()
        let large = try Self.vocabulary(firstRank: offset)
        #expect(large.pairMergeRank(offset + 256, offset + 257) == nil)
        let tokenizer = try Tokenizer(vocabulary: small, pattern: .gpt2)
        let shifted = try Tokenizer(vocabulary: large, pattern: .gpt2)
        for text in ["the thermal theme, приветствие прием", "中文字中文 😀😀😀 aab ab aaab", "thethemethen"] {
            let ids = try tokenizer.encode(text)
            #expect(try shifted.encode(text) == ids.map { $0 + offset })
            #expect(try tokenizer.decode(ids) == text)
        }
    }
    @Test("a vocabulary with tokens too long to split within the build's budget has no table and merges by bytes, quickly")
    func tokensTooLong() throws {
        // What training on one repeated character gives: runs of 'a' doubling up to 64 KiB. Splitting them
        // all would hash ~5.7 billion bytes; the vocabulary loads without a table instead.
        var tokens = (0..<256).map { [UInt8($0)] }
        var length = 2
        while length <= 1 << 16 { tokens.append([UInt8](repeating: UInt8(ascii: "a"), count: length)); length *= 2 }
        let vocabulary = try Vocabulary(tokens: tokens)
        #expect(vocabulary.pairMergeRank(TokenID(UInt8(ascii: "a")), TokenID(UInt8(ascii: "a"))) == nil)
        let tokenizer = try Tokenizer(vocabulary: vocabulary, pattern: .gpt2)
        let text = String(repeating: "a", count: (1 << 16) + (1 << 10) + 3)
        let ids = try tokenizer.encode(text)
        #expect(ids == [TokenID(256 + 15), TokenID(256 + 9), TokenID(256), TokenID(UInt8(ascii: "a"))])
        #expect(try tokenizer.decode(ids) == text)
        // The small vocabulary of the other tests keeps its table.
        #expect(try Self.vocabulary().pairMergeRank(TokenID(UInt8(ascii: "t")), TokenID(UInt8(ascii: "h"))) != nil)
    }
}

/// Runs `body` with each array's bytes as a raw buffer.
func withRawBuffers<R>(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
    func nest(_ index: Int, _ done: [UnsafeRawBufferPointer]) throws -> R {
        if index == arrays.count { return try body(done) }
        return try arrays[index].withUnsafeBytes { try nest(index + 1, done + [$0]) }
    }
    return try nest(0, [])
}
