import Testing
@testable import TokkitCore

@Suite("A prepared piece: the whole-token probe with the prefix read while hashing finds what a byte lookup finds")
struct PreparedPieceTests {
    @Test("every run of 1 to 12 bytes of mixed text, tokens and not, against the small vocabulary's byte lookup")
    func everyRun() throws {
        let vocabulary = try PairMergeTableTests.vocabulary()
        let text = Array("the theme thermal; привет приветствие 中文中文字 😀😀 aab thermals зз".utf8)
        var merger = BytePairMerger()
        var compared = 0
        var wrong: [[UInt8]] = []
        text.withUnsafeBufferPointer { text in
            vocabulary.withRankLookup(perCall: { lookup in
                for length in 1...12 {
                    for start in 0...(text.count - length) {
                        let piece = UnsafeBufferPointer(rebasing: text[start..<(start + length)])
                        let prepared = merger.prepare(piece, with: lookup)
                        let probed = lookup.rank(piece.baseAddress!, length, hash: prepared.hash, prefix: prepared.prefix)
                        if probed != (vocabulary.rank(of: Array(piece)) ?? .max) { wrong.append(Array(piece)) }
                        compared += 1
                    }
                }
            })
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        #expect(compared > 700)
    }

    /// Tokens: the 256 bytes and every run of 2 to 18 bytes that starts at an even offset of a text in three scripts.
    static func longTokenVocabulary() throws -> (Vocabulary, text: [UInt8]) {
        let text = Array("internationalization; сверхпроводимость; 国際化国際化; thermodynamically thermodynamic".utf8)
        var tokens = (0..<256).map { [UInt8($0)] }
        var seen = Set(tokens)
        for length in 2...18 {
            for start in stride(from: 0, through: text.count - length, by: 2) where seen.insert(Array(text[start..<(start + length)])).inserted {
                tokens.append(Array(text[start..<(start + length)]))
            }
        }
        return (try Vocabulary(tokens: tokens), text)
    }

    /// The whole-piece probe (`RankLookup.rank(_:_:hash:prefix:)`, which takes pieces of 9 to 16 bytes to the rank
    /// table's long slots) against the byte lookup, which probes the ordinary slots and compares the arena.
    static func disagreements(_ vocabulary: Vocabulary, _ pieces: [[UInt8]]) -> [[UInt8]] {
        var merger = BytePairMerger()
        var wrong: [[UInt8]] = []
        vocabulary.withRankLookup(perCall: { lookup in
            for piece in pieces {
                piece.withUnsafeBufferPointer { piece in
                    let prepared = merger.prepare(piece, with: lookup)
                    let probed = lookup.rank(piece.baseAddress!, piece.count, hash: prepared.hash, prefix: prepared.prefix)
                    if probed != (vocabulary.rank(of: Array(piece)) ?? .max) { wrong.append(Array(piece)) }
                }
            }
        })
        return wrong
    }

    @Test("pieces of 9 to 16 bytes (the long slots): every run of 1 to 20 bytes, and every long token with one byte changed")
    func longPieces() throws {
        let (vocabulary, text) = try Self.longTokenVocabulary()
        var pieces: [[UInt8]] = []
        for length in 1...20 {
            for start in 0...(text.count - length) { pieces.append(Array(text[start..<(start + length)])) }
        }
        // Near misses: the same length, first and last bytes as a token's but one.
        let long = vocabulary.tokensOrGaps.compactMap { $0 }.filter { (9...16).contains($0.count) }
        for token in long {
            for position in token.indices {
                var changed = token
                changed[position] ^= 0x20
                pieces.append(changed)
            }
        }
        #expect(long.count > 150)
        #expect(pieces.count > 4_000)
        let wrong = Self.disagreements(vocabulary, pieces)
        #expect(wrong.isEmpty, "\(wrong.prefix(5).map { String(decoding: $0, as: UTF8.self) })")
    }

    @Test("a long slot's last eight bytes changed (planted): its token is no longer found whole, so the probe reads them")
    func longSlotPlanted() throws {
        let (vocabulary, _) = try Self.longTokenVocabulary()
        let damaged = try vocabulary.withTableSections { sections, scalars in
            var copies = sections.map { Array($0) }
            // Section 12: four words a slot (first eight bytes, last eight, meta, 0); change the first filled one's last eight.
            let slot = try #require((0..<(copies[12].count / 32)).first { slot in copies[12].withUnsafeBytes { $0.load(fromByteOffset: 32 * slot + 16, as: UInt64.self) } != 0 })
            copies[12][32 * slot + 8] ^= 1
            return try withRawBuffers(copies) { try Vocabulary(sections: $0, scalars: scalars, specialTokens: []) }
        }
        let loaded = try #require(damaged)
        let long = vocabulary.tokensOrGaps.compactMap { $0 }.filter { (9...16).contains($0.count) }
        #expect(Self.disagreements(try #require(try VocabularyTablesTests.reloaded(vocabulary) { _ in }), long).isEmpty)
        #expect(Self.disagreements(loaded, long).count == 1)
    }

    @Test("the scanner loops' hashing (PreparedPiece(hashing:)) gives the hash and prefix the rank table is built with, 1 to 40 bytes")
    func hashingEqualsByteHash() {
        var random = SplitMix64(seed: 21)
        // At an odd offset inside a larger buffer: loads are unaligned and nothing past the piece matters.
        let bytes = (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) }
        var wrong: [Int] = []
        bytes.withUnsafeBufferPointer { buffer in
            for count in 1...40 {
                let piece = UnsafeBufferPointer(rebasing: buffer[3..<(3 + count)])
                let prepared = BytePairMerger.PreparedPiece(hashing: piece)
                if prepared.hash != ByteHash.hash(piece.baseAddress!, count: count)
                    || prepared.prefix != ByteHash.prefix(piece.baseAddress!, count: count) { wrong.append(count) }
            }
        }
        #expect(wrong.isEmpty, "lengths \(wrong)")
    }
}
