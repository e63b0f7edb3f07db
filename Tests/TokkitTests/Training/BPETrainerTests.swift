import Testing
import Tokkit

@Suite("BPE trainer")
struct BPETrainerTests {
    func train(_ words: [(String, UInt64)], _ configuration: TrainerConfiguration) throws -> TrainedVocabulary {
        try BPETrainer(configuration).train(wordCounts(words))
    }

    @Test("retells the Wikipedia example aaabdaaabac merge by merge")
    func wikipedia() throws {
        // a a a b d a a a b a c. Pair counts: (a,a) 4, (a,b) 2, the rest 1.
        // 1. (a,a)=4 wins: left to right, no overlap → aa a b d aa a b a c.
        // 2. (aa,a)=2 and (a,b)=2 tie: 'a' (GPT-2 id 64) < aa (id 256), so (a,b) → aa ab d aa ab a c.
        // 3. (aa,ab)=2 → aaab d aaab a c.
        // 4. four pairs of count 1: smallest left id is 'a' (64) → (a,c) → aaab d aaab ac.
        // 5. (d,aaab): 'd' (67) beats aaab (258) → aaab daaab ac.
        // 6. (aaab,daaab): left 258 < daaab (260) → aaabdaaab ac.
        // 7. (aaabdaaab,ac) → the whole word.
        let vocabulary = try train([("aaabdaaabac", 1)], TrainerConfiguration(vocabularySize: 300))
        #expect(vocabulary.mergeStrings == ["a+a", "a+b", "aa+ab", "a+c", "d+aaab", "aaab+daaab", "aaabdaaab+ac"])
        #expect(vocabulary.tokens.count == 263)
        #expect(vocabulary.merges.map(\.result) == Array(256..<263))
        #expect(vocabulary.tokens[256...].map { String(decoding: $0, as: UTF8.self) }
                == ["aa", "ab", "aaab", "ac", "daaab", "aaabdaaab", "aaabdaaabac"])
    }

    @Test("numbers byte tokens in GPT-2 order with .hf and by value with .bytes")
    func byteOrder() throws {
        let hf = try train([("ab", 1)], TrainerConfiguration(vocabularySize: 256))
        #expect(hf.tokens[0] == Array("!".utf8))
        #expect(hf.tokens[220] == [0x20])
        #expect(hf.tokens.count == 256 && hf.merges.isEmpty)
        let bytes = try train([("ab", 1)], TrainerConfiguration(vocabularySize: 256, tiePolicy: .bytes))
        #expect(bytes.tokens == (0...255).map { [UInt8($0)] })
    }

    @Test("breaks a tie by GPT-2 order with .hf and by byte value with .bytes")
    func tiePolicies() throws {
        // "zz" and "\n\n" once each: HF picks (z,z) since z=89 < Ċ=198; byte order picks \n=10 < z=122.
        let words: [(String, UInt64)] = [("zz", 1), ("\n\n", 1)]
        let hf = try train(words, TrainerConfiguration(vocabularySize: 257, tiePolicy: .hf))
        let bytes = try train(words, TrainerConfiguration(vocabularySize: 257, tiePolicy: .bytes))
        #expect(hf.mergeStrings == ["z+z"])
        #expect(bytes.mergeStrings == ["\n+\n"])
    }

    @Test("breaks a tie on the left id by the smaller right id")
    func rightTie() throws {
        let vocabulary = try train([("ac", 2), ("ab", 2)], TrainerConfiguration(vocabularySize: 300))
        #expect(vocabulary.mergeStrings == ["a+b", "a+c"])
    }

    @Test("merges a pair whose count equals minFrequency, and none below it")
    func minFrequencyIsInclusive() throws {
        let words: [(String, UInt64)] = [("ab", 3), ("cd", 2)]
        let atTwo = try train(words, TrainerConfiguration(vocabularySize: 300, minFrequency: 2))
        let atThree = try train(words, TrainerConfiguration(vocabularySize: 300, minFrequency: 3))
        #expect(atTwo.mergeStrings == ["a+b", "c+d"])
        #expect(atThree.mergeStrings == ["a+b"])
    }

    @Test("puts special tokens after the merges by default, GPT-2 style")
    func specialsLast() throws {
        let configuration = TrainerConfiguration(vocabularySize: 259, specialTokens: [Array("<|endoftext|>".utf8)])
        let vocabulary = try train([("abab", 1)], configuration)
        #expect(vocabulary.firstTokenID == 0)
        #expect(vocabulary.tokens.count == 258)
        #expect(vocabulary.specialTokens == [.init(bytes: Array("<|endoftext|>".utf8), id: 258)])
        #expect(vocabulary.mergeStrings == ["a+b", "ab+ab"])
    }

    @Test("gives specials ids 0..<k and shifts every mergeable id with specialsFirst")
    func specialsFirst() throws {
        let specials = [Array("<s>".utf8), Array("</s>".utf8)]
        let first = try train([("abab", 1)], TrainerConfiguration(vocabularySize: 260, specialTokens: specials,
                                                                   specialsFirst: true))
        let last = try train([("abab", 1)], TrainerConfiguration(vocabularySize: 260, specialTokens: specials))
        #expect(first.firstTokenID == 2)
        #expect(first.specialTokens.map(\.id) == [0, 1])
        let expected = TrainedVocabulary.Merge(left: 66, right: 67, result: 258)   // a=64, b=65, ab=256, all +2
        #expect(first.merges.first == expected)
        let firstBytes: [[UInt8]] = first.mergedBytes.map { $0.left + $0.right }
        let lastBytes: [[UInt8]] = last.mergedBytes.map { $0.left + $0.right }
        #expect(firstBytes == lastBytes)
        #expect(first.bytes(of: 2) == Array("!".utf8))
        #expect(first.bytes(of: 1) == nil)
    }

    @Test("never creates a token longer than maxTokenLength (HF max_token_length minus one)")
    func maxTokenLength() throws {
        // HF, verified: 16 × "a" with max_token_length 4 yields only "aa"; with 5, "aa" and "aaaa".
        let word = [(String(repeating: "a", count: 16), UInt64(1))]
        let three = try train(word, TrainerConfiguration(vocabularySize: 300, maxTokenLength: 3))
        let four = try train(word, TrainerConfiguration(vocabularySize: 300, maxTokenLength: 4))
        #expect(three.mergeStrings == ["a+a"])
        #expect(four.mergeStrings == ["a+a", "aa+aa"])
        let unlimited = try train(word, TrainerConfiguration(vocabularySize: 300))
        #expect(unlimited.mergeStrings == ["a+a", "aa+aa", "aaaa+aaaa", "aaaaaaaa+aaaaaaaa"])
    }

    @Test("trains a tiny corpus until no pair is left")
    func tinyCorpus() throws {
        let vocabulary = try train([("hello", 2), (" world", 1), (" hello", 1)], TrainerConfiguration(vocabularySize: 1000))
        // (h,e),(e,l),(l,l),(l,o) all 3: 'e' (GPT-2 id 68) has the smallest left id; then h (71)
        // beats l (75) and el (256); then (l,o) beats (hel,l) since l < hel.
        #expect(vocabulary.mergeStrings.prefix(4) == ["e+l", "h+el", "l+o", "hel+lo"])
        #expect(vocabulary.tokens.contains(Array("hello".utf8)))
        #expect(vocabulary.tokens.contains(Array(" world".utf8)))
        #expect(Set(vocabulary.tokens).count == vocabulary.tokens.count)
    }

    @Test("returns just the 256 bytes for a one-character corpus")
    func oneCharacter() throws {
        let vocabulary = try train([("x", 1_000)], TrainerConfiguration(vocabularySize: 1000))
        #expect(vocabulary.merges.isEmpty)
        #expect(vocabulary.tokens.count == 256)
    }

    @Test("stops at the vocabulary size, counting the special tokens")
    func stopsAtSize() throws {
        let configuration = TrainerConfiguration(vocabularySize: 258, specialTokens: [Array("<|endoftext|>".utf8)])
        let vocabulary = try train([("abcdefgh", 5)], configuration)
        #expect(vocabulary.tokens.count == 257)
        #expect(vocabulary.specialTokens.map(\.id) == [257])
    }

    @Test("reports progress ending at the number of new tokens")
    func progress() throws {
        var reports: [TrainingProgress] = []
        _ = try BPETrainer(TrainerConfiguration(vocabularySize: 300))
            .train(wordCounts([("aaabdaaabac", 1)])) { reports.append($0) }
        #expect(reports.last?.tokensDone == 7)
        #expect(reports.last?.tokensTarget == 44)
    }

    @Test("rejects an empty corpus")
    func emptyCorpus() throws {
        #expect(throws: TrainerError.emptyCorpus) {
            try BPETrainer(TrainerConfiguration(vocabularySize: 300)).train(WordCounts())
        }
    }

    @Test("rejects a vocabulary with no room for the bytes and the specials")
    func vocabularyTooSmall() throws {
        #expect(throws: TrainerError.vocabularyTooSmall(requested: 256, minimum: 257)) {
            try BPETrainer(TrainerConfiguration(vocabularySize: 256, specialTokens: [Array("<|endoftext|>".utf8)]))
        }
        let error = TrainerError.vocabularyTooSmall(requested: 100, minimum: 256)
        #expect(error.description.contains("at least 256"))
    }

    @Test("rejects a special token listed twice, naming both positions")
    func duplicateSpecial() throws {
        let eot = Array("<|endoftext|>".utf8)
        #expect(throws: TrainerError.duplicateSpecialToken(bytes: eot, firstIndex: 0, secondIndex: 2)) {
            try BPETrainer(TrainerConfiguration(vocabularySize: 1000, specialTokens: [eot, Array("<pad>".utf8), eot]))
        }
    }

    @Test("rejects an empty special token and a max token length below 2")
    func otherConfigurationErrors() throws {
        #expect(throws: TrainerError.emptySpecialToken(index: 0)) {
            try BPETrainer(TrainerConfiguration(vocabularySize: 1000, specialTokens: [[]]))
        }
        #expect(throws: TrainerError.maxTokenLengthTooSmall(1)) {
            try BPETrainer(TrainerConfiguration(vocabularySize: 1000, maxTokenLength: 1))
        }
    }
}
