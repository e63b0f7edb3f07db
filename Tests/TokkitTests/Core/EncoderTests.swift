import Testing
import Tokkit
import TokkitVerification

@Suite("Encoder: special tokens, bad input, long pieces")
struct EncoderTests {
    @Test("special tokens are disallowed by default, with the token and its byte offset in the error")
    func disallowedByDefault() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        #expect(throws: EncodingError.disallowedSpecialToken(text: "<|endoftext|>", offset: 6)) {
            _ = try gpt2.encode("hello <|endoftext|>")
        }
    }

    @Test("allowed special tokens become one id; ordinary encoding treats them as text")
    func allowed() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        #expect(try gpt2.encode("hello <|endoftext|>", allowedSpecial: .all) == [31373, 220, 50256])
        #expect(try gpt2.encode("a<|endoftext|>b", allowedSpecial: .only(["<|endoftext|>"])) == [64, 50256, 65])
        #expect(try gpt2.encodeOrdinary("<|endoftext|>") == [27, 91, 437, 1659, 5239, 91, 29])
        #expect(try gpt2.encode("<|endoftext|>", disallowedSpecial: .none) == [27, 91, 437, 1659, 5239, 91, 29])
    }

    @Test("a special token outside the disallowed set but not allowed is plain text")
    func partlyDisallowed() throws {
        let cl100k = try Loaded.tokenizer("cl100k_base")
        let ids = try cl100k.encode("<|fim_prefix|>x<|endoftext|>", allowedSpecial: .only(["<|endoftext|>"]),
                                    disallowedSpecial: .only([]))
        #expect(ids.last == 100257)
        #expect(!ids.contains(100258))
        #expect(throws: EncodingError.disallowedSpecialToken(text: "<|fim_prefix|>", offset: 0)) {
            _ = try cl100k.encode("<|fim_prefix|>x<|endoftext|>", allowedSpecial: .only(["<|endoftext|>"]))
        }
    }

    @Test("invalid UTF-8 is an error at its byte offset; lossy mode replaces it with U+FFFD")
    func invalidUTF8() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        let bytes: [UInt8] = Array("héllo ".utf8) + [0xFF, 0x61]
        #expect(throws: EncodingError.invalidUTF8(offset: 7)) { _ = try gpt2.encode(bytes: bytes) }
        let lossy = try gpt2.encode(bytes: bytes, lossy: true)
        #expect(try gpt2.decode(lossy) == "héllo \u{FFFD}a")
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]] {
            #expect(throws: EncodingError.invalidUTF8(offset: 1)) { _ = try gpt2.encode(bytes: [0x41] + bad) }
        }
    }

    @Test("a byte the vocabulary lacks is an error naming it and its offset, with every scanner and with ICU",
          arguments: [(SplitPattern.gpt2, RegexEngine.auto), (.cl100k, .auto), (.qwen2, .auto), (.o200k, .auto), (.gpt2, .icu)])
    func byteNotInVocabulary(pattern: SplitPattern, engine: RegexEngine) throws {
        // Every byte but `z`, and one special token: the offset must count the text before it too.
        let tokens = (0...255).filter { $0 != 0x7A }.map { [UInt8($0)] }
        let vocabulary = try Vocabulary(tokens: tokens, specialTokens: [SpecialToken("<|s|>", id: 255)])
        let tokenizer = try Tokenizer(vocabulary: vocabulary, pattern: pattern, engine: engine)
        #expect(throws: EncodingError.byteNotInVocabulary(byte: 0x7A, offset: 9)) {
            _ = try tokenizer.encode("ab<|s|>q z", allowedSpecial: .all)
        }
        #expect(throws: EncodingError.byteNotInVocabulary(byte: 0x7A, offset: 0)) { _ = try tokenizer.encodeOrdinary("zq ab") }
        #expect(try tokenizer.encode("ab<|s|>q", allowedSpecial: .all) == [97, 98, 255, 113])
    }

    @Test("decode names an unknown id and its position; decode to text replaces cut UTF-8")
    func decoding() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        #expect(throws: DecodingError.unknownID(id: 50257, position: 1)) { _ = try gpt2.decode([31373, 50257]) }
        #expect(try gpt2.decode([50256]) == "<|endoftext|>")
        let snowman = try gpt2.encode("☃")
        #expect(snowman.count > 1)
        #expect(try gpt2.decode([snowman[0]]).unicodeScalars.allSatisfy { $0 == "\u{FFFD}" })
        #expect(try gpt2.decodeBytes(snowman) == Array("☃".utf8))
    }

    @Test("a 1 MB piece takes the heap path and comes out right, without quadratic time")
    func hugePiece() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        let text = String(repeating: "a", count: 1 << 20)
        let ids = try gpt2.encode(text)
        #expect(try gpt2.decode(ids) == text)
        #expect(ids.count <= text.count / 4, "runs of a merge into long tokens")
        // Ids equal to tiktoken's on the same piece: LiveParityTests.hugePiece.
    }

    @Test("heap merging equals rescanning merging on random pieces", arguments: [1, 2, 3, 4, 5])
    func heapEqualsRescan(seed: UInt64) throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        var random = SplitMix64(seed: seed)
        let alphabet = Array("aab ethlo\n".utf8)
        var merger = BytePairMerger()
        for _ in 0..<40 {
            let length = Int.random(in: 100...400, using: &random)
            let piece = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
            var viaHeap: [TokenID] = []
            piece.withUnsafeBufferPointer { _ = merger.encode($0, with: gpt2.vocabulary, into: &viaHeap) }
            #expect(viaHeap == ReferenceBPE.encode(piece, gpt2.vocabulary))
        }
    }

    @Test("short-piece merging equals the reference on random multi-byte pieces", arguments: ["gpt2", "cl100k_base", "o200k_base"])
    func rescanEqualsReference(vocabulary name: String) throws {
        let tokenizer = try Loaded.tokenizer(name)
        var random = SplitMix64(seed: 7)
        var merger = BytePairMerger()
        for _ in 0..<3_000 {
            let piece = Self.mixedPiece(atLeast: Int.random(in: 2..<BytePairMerger.heapThreshold, using: &random), using: &random)
            var ids: [TokenID] = []
            piece.withUnsafeBufferPointer { _ = merger.encode($0, with: tokenizer.vocabulary, into: &ids) }
            #expect(ids == ReferenceBPE.encode(piece, tokenizer.vocabulary), "\(piece)")
        }
    }

    /// Whole characters drawn from NUL (a zero byte inside the masked loads), ASCII, Cyrillic, CJK, an emoji and `é`
    /// until the piece has at least `length` bytes: keys of every length up to and past eight bytes.
    static func mixedPiece(atLeast length: Int, using random: inout SplitMix64) -> [UInt8] {
        var piece: [UInt8] = []
        while piece.count < length { piece += mixedCharacters.randomElement(using: &random)! }
        return piece
    }

    static let mixedCharacters = ["\u{0}", "a", "e", "t", " ", "о", "п", "и", "с", "中", "文", "😀", "é"].map { Array($0.utf8) }

    @Test("ids copied from the piece cache equal the merged ids, for pieces of one to dozens of ids")
    func cachedPiecesEqualMerged() throws {
        let cl100k = try Loaded.tokenizer("cl100k_base")
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8) + Array("éжא中".utf8)
        var random: UInt64 = 2026
        var merger = BytePairMerger()
        var idCounts = Set<Int>()
        var failures = 0
        for _ in 0..<20_000 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = 2 + Int(random >> 58)
            let seed = random
            let piece = (0..<length).map { (k: Int) -> UInt8 in
                let mixed: UInt64 = (seed >> UInt64(k % 48)) &+ UInt64(k) &* 7
                return alphabet[Int(mixed % UInt64(alphabet.count))]
            }
            let expected = ReferenceBPE.encode(piece, cl100k.vocabulary)
            // The first call merges (and caches) unless an earlier piece was the same; the second reads the cache.
            for _ in 0..<2 {
                var ids: [TokenID] = [7]
                piece.withUnsafeBufferPointer { _ = merger.encode($0, with: cl100k.vocabulary, into: &ids) }
                if ids != [7] + expected { failures += 1 }
            }
            idCounts.insert(expected.count)
        }
        #expect(failures == 0)
        // Hits of two, four and more ids are exercised.
        #expect(idCounts.contains(2) && idCounts.contains(4) && idCounts.contains { $0 > 4 })
    }

    @Test("a merger used with another vocabulary does not give the first one's cached ids")
    func mergerAcrossVocabularies() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        let cl100k = try Loaded.tokenizer("cl100k_base")
        let piece = Array(" Tokenisierungsverfahren".utf8)  // merged, so cached, in both
        var merger = BytePairMerger()
        var first: [TokenID] = [], second: [TokenID] = []
        piece.withUnsafeBufferPointer { _ = merger.encode($0, with: gpt2.vocabulary, into: &first) }
        piece.withUnsafeBufferPointer { _ = merger.encode($0, with: cl100k.vocabulary, into: &second) }
        #expect(first == ReferenceBPE.encode(piece, gpt2.vocabulary))
        #expect(second == ReferenceBPE.encode(piece, cl100k.vocabulary))
        #expect(first != second)
    }

    @Test("batch encoding keeps input order and does not depend on the thread count")
    func batch() throws {
        let cl100k = try Loaded.tokenizer("cl100k_base")
        let documents = try Repository.fixtureNames.map { try Repository.fixture($0) }
        let one = try cl100k.encodeBatch(documents, disallowedSpecial: .none, threads: 1)
        let four = try cl100k.encodeBatch(documents, disallowedSpecial: .none, threads: 4)
        #expect(one == four)
        #expect(one[0] == (try cl100k.encode(bytes: documents[0], disallowedSpecial: .none)))
        #expect(throws: EncodingError.inDocument(index: 1, .invalidUTF8(offset: 0))) {
            _ = try cl100k.encodeBatch([[0x41], [0xFF]], threads: 2)
        }
    }
}

/// tiktoken's `_educational.py` rule, written the obvious way: merge the lowest-ranked adjacent pair,
/// leftmost on ties, until none is a token.
enum ReferenceBPE {
    static func encode(_ piece: [UInt8], _ vocabulary: Vocabulary) -> [TokenID] {
        var parts = piece.map { [$0] }
        while parts.count > 1 {
            var best: (rank: TokenID, index: Int)?
            for i in 0..<(parts.count - 1) {
                if let rank = vocabulary.rank(of: parts[i] + parts[i + 1]), rank < best?.rank ?? .max {
                    best = (rank, i)
                }
            }
            guard let best else { break }
            parts[best.index] += parts[best.index + 1]
            parts.remove(at: best.index + 1)
        }
        return parts.map { vocabulary.rank(of: $0)! }
    }
}
