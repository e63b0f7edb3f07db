import Foundation
import Testing
import Tokkit
@testable import TokkitIO

@Suite("Vocabulary files: read, write, and every way they can be broken")
struct VocabularyFileTests {
    /// A small valid vocabulary: the 256 bytes, then "ab", "abc".
    static func smallFile() -> String {
        var lines = (0..<256).map { "\(base64([UInt8($0)])) \($0)" }
        lines.append("\(base64(Array("ab".utf8))) 256")
        lines.append("\(base64(Array("abc".utf8))) 257")
        return lines.joined(separator: "\n") + "\n"
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func parse(_ text: String) throws -> Vocabulary {
        try TiktokenFile.parse(Array(text.utf8), path: "test.tiktoken")
    }

    @Test("a valid .tiktoken file parses and writes back byte for byte")
    func roundTrip() throws {
        let text = Self.smallFile()
        let vocabulary = try Self.parse(text)
        #expect(vocabulary.mergeableCount == 258)
        #expect(vocabulary.rank(of: Array("abc".utf8)) == 257)
        #expect(TiktokenFile.serialize(vocabulary) == Array(text.utf8))
    }

    @Test("bad base64 names the file and line")
    func badBase64() {
        let text = Self.smallFile().replacingOccurrences(of: "\(Self.base64(Array("ab".utf8))) 256", with: "@@@= 256")
        #expect(throws: VocabularyFileError.badBase64(path: "test.tiktoken", line: 257)) { _ = try Self.parse(text) }
    }

    @Test("a duplicate rank names the line of its second appearance")
    func duplicateRank() {
        let text = Self.smallFile().replacingOccurrences(of: " 257\n", with: " 256\n")
        #expect(throws: VocabularyFileError.duplicateRank(path: "test.tiktoken", line: 258, rank: 256)) { _ = try Self.parse(text) }
    }

    @Test("a missing rank is named")
    func missingRank() {
        let text = Self.smallFile().replacingOccurrences(of: " 257\n", with: " 300\n")
        #expect(throws: VocabularyFileError.missingRank(path: "test.tiktoken", rank: 257)) { _ = try Self.parse(text) }
    }

    @Test("a missing rank where a special token sits is a gap: p50k_base's <|endoftext|> = 50256")
    func gapAtSpecialToken() throws {
        let text = Self.smallFile().replacingOccurrences(of: " 257\n", with: " 258\n")
        let special = SpecialToken("<|endoftext|>", id: 257)
        let vocabulary = try TiktokenFile.parse(Array(text.utf8), path: "test.tiktoken", specialTokens: [special])
        #expect(vocabulary.gaps == [257])
        #expect(vocabulary.mergeableCount == 258)
        #expect(vocabulary.rank(of: Array("abc".utf8)) == 258)
        #expect(try vocabulary.decodeBytes([256, 257, 258]) == Array("ab<|endoftext|>abc".utf8))
        #expect(TiktokenFile.serialize(vocabulary) == Array(text.utf8), "the gap is not written")
        let withoutSpecial = try Vocabulary(tokensOrGaps: vocabulary.tokensOrGaps, firstRank: 0)
        #expect(throws: DecodingError.unknownID(id: 257, position: 1)) { _ = try withoutSpecial.decodeBytes([256, 257]) }
    }

    @Test("the bundled p50k_base has its one gap at 50256, and p50k_edit adds the FIM tokens after 50280")
    func p50k() throws {
        let base = try NamedVocabulary.p50k_base.load()
        #expect(base.gaps == [50256] && base.mergeableCount == 50280 && base.size == 50281)
        #expect(try base.decodeBytes([50256]) == Array("<|endoftext|>".utf8))
        let edit = try NamedVocabulary.p50k_edit.load()
        #expect(edit.size == 50284)
        #expect(try edit.decodeBytes([50281, 50283]) == Array("<|fim_prefix|><|fim_suffix|>".utf8))
    }

    @Test("a duplicate token names its line and the earlier rank")
    func duplicateToken() {
        let text = Self.smallFile() + "\(Self.base64(Array("ab".utf8))) 258\n"
        #expect(throws: VocabularyFileError.duplicateToken(path: "test.tiktoken", line: 259, sameAsRank: 256)) { _ = try Self.parse(text) }
    }

    @Test("a line without a rank, and an empty file, are errors")
    func malformed() {
        #expect(throws: VocabularyFileError.malformedLine(path: "test.tiktoken", line: 2, expected: "\"<base64 token> <rank>\"")) {
            _ = try Self.parse("QQ== 0\nQg==\n")
        }
        #expect(throws: VocabularyFileError.self) { _ = try Self.parse("QQ== x1\n") }
        #expect(throws: VocabularyFileError.self) { _ = try Self.parse("") }
    }

    @Test("a wrong sha256 is refused, naming both digests")
    func checksum() throws {
        let scratch = Scratch()
        let path = scratch.file("gpt2.tiktoken")
        var bytes = try FileIO.read(Repository.path("vocabularies/gpt2.tiktoken"))
        bytes[100] ^= 1
        try FileIO.writeAtomically(bytes, to: path)
        #expect {
            _ = try TiktokenFile.read(path: path, expectedSHA256: NamedVocabulary.gpt2.sha256)
        } throws: { error in
            guard case .checksumMismatch(let errorPath, let expected, _) = error as? VocabularyFileError else { return false }
            return errorPath == path && expected == NamedVocabulary.gpt2.sha256
        }
    }

    @Test("a missing file names the path")
    func missingFile() {
        #expect(throws: VocabularyFileError.unreadable(path: "/nonexistent/x.tiktoken", reason: "no such file")) {
            _ = try TiktokenFile.read(path: "/nonexistent/x.tiktoken")
        }
        #expect(throws: TokenizerLoadError.self) { _ = try TokenizerLoader.load("no-such-vocabulary") }
    }

    @Test("the bundled vocabularies load by name with their sha256, pattern and specials")
    func named() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        #expect(gpt2.vocabulary.mergeableCount == 50256)
        #expect(gpt2.vocabulary.size == 50257)
        #expect(gpt2.pattern == .gpt2)
        let cl100k = try Loaded.tokenizer("cl100k_base")
        #expect(cl100k.vocabulary.size == 100277)
        #expect(cl100k.vocabulary.specialToken(named: "<|endofprompt|>")?.id == 100276)
        let sums = try String(contentsOfFile: Repository.path("vocabularies/SHA256SUMS"), encoding: .utf8)
        for named in NamedVocabulary.all {
            #expect(sums.contains("\(named.sha256)  \(named.fileName)"))
        }
    }

    @Test("a load started early (startLoading, as the CLI does while parsing) is taken by the next load of that vocabulary, unchanged")
    func startedEarly() throws {
        // Only this test starts loads; another test loading p50k_edit at the same moment may take this
        // one's instead (it gets the same vocabulary), so the count says "taken once", not by whom.
        let reference = try TokenizerLoader.load("p50k_edit")  // its cache file now exists
        let takenBefore = TokenizerLoader.startedLoadsTaken
        TokenizerLoader.startLoading("p50k_edit")
        let loaded = try TokenizerLoader.load("p50k_edit")
        #expect(TokenizerLoader.startedVocabulary == nil)
        #expect(TokenizerLoader.startedLoadsTaken == takenBefore + 1)
        #expect(loaded.vocabulary.tokensOrGaps == reference.vocabulary.tokensOrGaps)
        #expect(loaded.vocabulary.specialTokens == reference.vocabulary.specialTokens)
        let text = Array("fim <|fim_prefix|> text, 12345 \u{1F600}".utf8)
        #expect(try loaded.encode(bytes: text, allowedSpecial: .all) == reference.encode(bytes: text, allowedSpecial: .all))
        // A path or an unknown name starts nothing; the load that follows works as always.
        for source in ["/nonexistent/x.tiktoken", "no-such-vocabulary"] {
            TokenizerLoader.startLoading(source)
            #expect(TokenizerLoader.startedVocabulary == nil)
        }
    }

    @Test("GPT-2 encoder.json + vocab.bpe: written, read back, and checked against each other")
    func gpt2Files() throws {
        let scratch = Scratch()
        let gpt2 = try Loaded.tokenizer("gpt2")
        let encoder = scratch.file("encoder.json")
        let merges = scratch.file("vocab.bpe")
        try GPT2Files.write(gpt2.vocabulary, encoderPath: encoder, mergesPath: merges)
        let bpe = try String(contentsOfFile: merges, encoding: .utf8)
        #expect(bpe.hasPrefix("#version: 0.2\nĠ t\nĠ a\n"))
        let reread = try GPT2Files.read(encoderPath: encoder, mergesPath: merges)
        #expect(reread.tokensByRank == gpt2.vocabulary.tokensByRank)
        #expect(reread.specialTokens == gpt2.vocabulary.specialTokens)
        // A merge whose result is not in encoder.json is named by line.
        try FileIO.writeAtomically(Array("#version: 0.2\nĠ t\nq Ġ\n".utf8), to: merges)
        #expect(throws: VocabularyFileError.self) { _ = try GPT2Files.read(encoderPath: encoder, mergesPath: merges) }
    }

    @Test("tokenizer.json: broken JSON and unsupported models are clear errors")
    func huggingFaceErrors() {
        #expect(throws: VocabularyFileError.self) { _ = try HuggingFaceTokenizerFile.parse(Array("{\"model\": ".utf8), path: "t.json") }
        #expect(throws: VocabularyFileError.invalidContent(path: "t.json", reason: "model.type is WordPiece, only \"BPE\" is supported")) {
            _ = try HuggingFaceTokenizerFile.parse(Array(#"{"model": {"type": "WordPiece"}}"#.utf8), path: "t.json")
        }
    }

    @Test("derived merges reproduce GPT-2's vocab.bpe order")
    func derivedMerges() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        let merges = try gpt2.vocabulary.derivedMerges().get()
        #expect(merges.count == 50000)
        let first = merges[0]
        #expect(gpt2.vocabulary.bytes(of: first.left) == [0x20] && gpt2.vocabulary.bytes(of: first.right) == [0x74])
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test("NIST test vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test("a million a's, fed in uneven chunks")
    func million() {
        var hasher = SHA256()
        var fed = 0
        var chunk = 1
        while fed < 1_000_000 {
            let count = min(chunk, 1_000_000 - fed)
            hasher.update([UInt8](repeating: 0x61, count: count))
            fed += count
            chunk = chunk * 3 % 1000 + 1
        }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("the CPU's SHA instructions (used when present) and the portable compression give the same digests")
    func bothWays() {
        var random = SplitMix64(seed: 11)
        for length in [0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 4113, 100_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            var portable = SHA256(portable: true)
            var usual = SHA256()
            // Fed in two uneven parts, so whole blocks follow a pending partial one.
            portable.update(bytes.prefix(length / 3))
            portable.update(bytes.dropFirst(length / 3))
            usual.update(bytes.prefix(length / 3))
            usual.update(bytes.dropFirst(length / 3))
            #expect(portable.finalizeHex() == usual.finalizeHex(), "length \(length)")
        }
        var portable = SHA256(portable: true)
        portable.update(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        #expect(portable.finalizeHex() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
