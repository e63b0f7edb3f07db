import Foundation
import Testing
import Tokkit

/// Tokkit against the real tiktoken and Hugging Face tokenizers, run live on fixtures and on real
/// text neither side was tuned to. Zero mismatches. These tests fail (never skip) when Python, the
/// libraries or the corpus are missing: `scripts/test` and `.ci/run` provide them.
@Suite("Live parity with the real tiktoken and tokenizers", .serialized)
struct LiveParityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var vocabulary: NamedVocabulary
        var pattern: SplitPattern
        var testDescription: String { "\(vocabulary.name) ranks, \(pattern) pattern" }
    }

    static let cases = [
        Case(vocabulary: .gpt2, pattern: .gpt2),
        Case(vocabulary: .cl100k_base, pattern: .cl100k),
        Case(vocabulary: .gpt2, pattern: .o200k),
        Case(vocabulary: .o200k_base, pattern: .o200k),
        Case(vocabulary: .qwen2, pattern: .qwen2),
        Case(vocabulary: .p50k_base, pattern: .gpt2),
        Case(vocabulary: .p50k_edit, pattern: .gpt2),
    ]

    /// Real text: the first 2 MB of English kernel documentation and 2 MB of man pages in seven languages.
    static func realText() throws -> [UInt8] {
        try Repository.corpusPrefix("public_en.txt", bytes: 2 << 20) + Repository.corpusPrefix("public_multi.txt", bytes: 2 << 20)
    }

    @Test("ids equal tiktoken's on ≥ 1 MB of real text, and tiktoken's ids decode back to it", arguments: cases)
    func realTextParity(_ parity: Case) throws {
        let text = try Self.realText()
        #expect(text.count > 1 << 20)
        let tokenizer = try Loaded.tokenizer(parity.vocabulary.name, pattern: parity.pattern)
        let ours = try tokenizer.encode(bytes: text, disallowedSpecial: .none)
        let theirs = try Reference.tiktokenIDs(vocabularyFile: Repository.path("vocabularies/\(parity.vocabulary.fileName)"),
                                               pattern: parity.pattern, text: text)
        #expect(ours.count == theirs.count)
        #expect(ours == theirs, "\(firstDifference(ours, theirs))")
        // Decoding tiktoken's ids gives the text back (what tiktoken's decode_bytes gives), in every
        // path: the parallel one for a fresh array, the one-pass append into a buffer, and the append
        // on two threads (parts decoded into their own regions, then moved together); a changed id is seen.
        #expect(try tokenizer.vocabulary.decodeBytes(theirs) == text)
        var appended: [UInt8] = []
        try tokenizer.vocabulary.appendBytes(of: theirs, to: &appended)
        #expect(appended == text)
        var split: [UInt8] = []
        try tokenizer.vocabulary.appendBytes(of: theirs, to: &split, threads: 2)
        #expect(split == text)
        var planted = theirs
        planted[planted.count / 2] = planted[planted.count / 2] == 0 ? 1 : 0
        #expect(try tokenizer.vocabulary.decodeBytes(planted) != text)
        split.removeAll(keepingCapacity: true)
        try tokenizer.vocabulary.appendBytes(of: planted, to: &split, threads: 2)
        #expect(split != text)
    }

    @Test("ids equal tiktoken's on every fixture, special tokens allowed", arguments: cases)
    func fixtureParity(_ parity: Case) throws {
        let tokenizer = try Loaded.tokenizer(parity.vocabulary.name, pattern: parity.pattern)
        for name in Repository.fixtureNames {
            let text = try Repository.fixture(name)
            let ours = try tokenizer.encode(bytes: text, allowedSpecial: .all)
            let theirs = try Reference.tiktokenIDs(
                vocabularyFile: Repository.path("vocabularies/\(parity.vocabulary.fileName)"), pattern: parity.pattern,
                specials: parity.vocabulary.specialTokens, allowSpecial: true, text: text)
            #expect(ours == theirs, "\(name): \(firstDifference(ours, theirs))")
        }
    }

    @Test("the comparison can fail: tiktoken given qwen2's ranks and another pattern differs from tokkit's qwen2")
    func plantedPatternDifference() throws {
        let text = try Repository.fixture("code-python.txt") + Repository.fixture("english-prose.txt") + Array("x\n   ".utf8)
        let tokenizer = try Loaded.tokenizer("qwen2")
        let ours = try tokenizer.encode(bytes: text, disallowedSpecial: .none)
        let file = Repository.path("vocabularies/qwen2.tiktoken")
        let honest = try Reference.tiktokenIDs(vocabularyFile: file, pattern: .qwen2, text: text)
        #expect(ours == honest, "\(firstDifference(ours, honest))")
        // o200k cuts "HelloWorld"-shaped words, gpt2 puts a space before punctuation runs. (cl100k's
        // pattern would not show on this text: qwen2's ranks have no token of two or more digits and
        // none of "\n" then spaces, so its `\p{N}{1,3}` and `\s++$` give the same ids here; the scanner
        // tests tell the two patterns apart piece by piece.)
        for planted in [SplitPattern.o200k, .gpt2] {
            let theirs = try Reference.tiktokenIDs(vocabularyFile: file, pattern: planted, text: text)
            let same = ours == theirs
            #expect(!same, "tokkit's qwen2 ids equal tiktoken's with the \(planted) pattern: the comparison could not tell")
        }
    }

    @Test("a 1 MB piece of one character encodes as tiktoken's heap path does")
    func hugePiece() throws {
        let text = Array(String(repeating: "a", count: 1 << 20).utf8) + Array((" " + String(repeating: "é", count: 200_000)).utf8)
        let tokenizer = try Loaded.tokenizer("gpt2")
        let ours = try tokenizer.encode(bytes: text)
        let theirs = try Reference.tiktokenIDs(vocabularyFile: Repository.path("vocabularies/gpt2.tiktoken"), pattern: .gpt2, text: text)
        #expect(ours == theirs, "\(firstDifference(ours, theirs))")
    }

    @Test("a .tiktoken file tokkit writes loads in tiktoken and gives the same ids", arguments: cases.prefix(2))
    func writtenTiktokenFile(_ parity: Case) throws {
        let scratch = Scratch()
        let tokenizer = try Loaded.tokenizer(parity.vocabulary.name)
        let written = scratch.file("written.tiktoken")
        try TiktokenFile.write(tokenizer.vocabulary, to: written)
        #expect(SHA256.hex(try FileIO.read(written)) == parity.vocabulary.sha256, "byte-identical to the original")
        let text = try Repository.fixture("english-prose.txt") + Repository.fixture("lang-cjk.txt")
        let theirs = try Reference.tiktokenIDs(vocabularyFile: written, pattern: parity.pattern, text: text)
        #expect(try tokenizer.encode(bytes: text, disallowedSpecial: .none) == theirs)
    }

    @Test("a tokenizer.json tokkit writes loads in tokenizers and gives the same ids", arguments: cases.prefix(2))
    func writtenHuggingFaceFile(_ parity: Case) throws {
        let scratch = Scratch()
        let tokenizer = try Loaded.tokenizer(parity.vocabulary.name)
        let path = scratch.file("tokenizer.json")
        try HuggingFaceTokenizerFile.write(tokenizer.vocabulary, pattern: parity.pattern, to: path)
        var text: [UInt8] = []
        for name in Repository.fixtureNames where name != "special-tokens.txt" { text += try Repository.fixture(name) }
        text += try Repository.corpusPrefix("public_en.txt", bytes: 300_000)
        let theirs = try Reference.huggingFaceIDs(tokenizerFile: path, text: text)
        let ours = try tokenizer.encode(bytes: text, disallowedSpecial: .none)
        #expect(ours == theirs, "\(firstDifference(ours, theirs))")
        // And tokkit reads its own file back to the same tokenizer.
        let reread = try TokenizerLoader.load(path)
        #expect(reread.pattern == parity.pattern)
        #expect(reread.vocabulary.tokensByRank == tokenizer.vocabulary.tokensByRank)
        #expect(reread.vocabulary.specialTokens == tokenizer.vocabulary.specialTokens)
    }
}
