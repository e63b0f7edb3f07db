import Foundation
import Testing
import Tokkit

/// Every metric on cases small enough to work out by hand.
@Suite("Comparison metrics")
struct MetricsTests {
    @Test("words: whitespace runs in spaced scripts, one word per character in unspaced ones", arguments: [
        ("hello world", ["hello", "world"]),
        ("  Hello,  world!\n", ["Hello,", "world!"]),
        ("I ate 寿司 today.", ["I", "ate", "寿", "司", "today."]),
        ("abc日本def", ["abc", "日", "本", "def"]),
        ("ひらがなとカタカナ", ["ひ", "ら", "が", "な", "と", "カ", "タ", "カ", "ナ"]),
        ("ข้าวผัด ok", ["ข้", "า", "ว", "ผั", "ด", "ok"]),
        ("ສະບາຍດີ", ["ສ", "ະ", "ບ", "າ", "ຍ", "ດີ"]),  // ະ and າ are spacing letters, not marks
        ("សួស្តី", ["សួ", "ស្", "តី"]),
        ("မင်္ဂလာ", ["မ", "င်္", "ဂ", "လ", "ာ"]),
        ("안녕 하세요", ["안녕", "하세요"]),
        ("👨‍👩‍👧 family", ["👨‍👩‍👧", "family"]),
        ("a\u{3000}b\u{00A0}c\u{200B}d", ["a", "b", "c\u{200B}d"]),
        (" \t\n", []),
        ("", []),
    ])
    func words(text: String, expected: [String]) {
        #expect(WordSplit.words(in: text).map(String.init) == expected)
        #expect(WordSplit.count(in: text) == expected.count)
    }

    @Test("characters are Unicode scalars: a decomposed é is two, a ZWJ family five")
    func characters() {
        #expect(TextMeasure(utf8: Array("e\u{301}".utf8)) == TextMeasure(bytes: 3, characters: 2, words: 1))
        #expect(TextMeasure(utf8: Array("👨‍👩‍👧".utf8)) == TextMeasure(bytes: 18, characters: 5, words: 1))
        #expect(TextMeasure(utf8: Array("日本 go".utf8)) == TextMeasure(bytes: 9, characters: 5, words: 3))
    }

    /// 256 byte tokens, then "ab" = 256; a special token at 300 makes the vocabulary 301 ids.
    static func abTokenizer() throws -> Tokenizer {
        let vocabulary = try Vocabulary(tokens: (0..<256).map { [UInt8($0)] } + [Array("ab".utf8)],
                                        specialTokens: [SpecialToken("<|x|>", id: 300)])
        return try Tokenizer(vocabulary: vocabulary, pattern: .gpt2)
    }

    /// Only the 256 byte tokens.
    static func byteTokenizer() throws -> Tokenizer {
        try Tokenizer(vocabulary: try Vocabulary(tokens: (0..<256).map { [UInt8($0)] }), pattern: .gpt2)
    }

    static func comparison() throws -> Comparison {
        let files = [ComparedFile(name: "ab", bytes: Array("ab ab".utf8)), ComparedFile(name: "cjk", bytes: Array("日本".utf8))]
        return try Comparison.run([ComparedTokenizer(label: "bytes", codec: try byteTokenizer()),
                                   ComparedTokenizer(label: "ab", codec: try abTokenizer())], on: files)
    }

    @Test("one file: \"ab ab\" is [256, 32, 256] with the ab vocabulary")
    func oneFile() throws {
        let comparison = try Self.comparison()
        #expect(comparison.encodings[1][0].ids == [256, 32, 256])
        let metrics = comparison.metrics(tokenizer: 1, file: 0)
        #expect(metrics.text == TextMeasure(bytes: 5, characters: 5, words: 2))
        #expect(metrics.tokens == 3)
        #expect(metrics.bytesPerToken == 5.0 / 3)
        #expect(metrics.charactersPerToken == 5.0 / 3)
        #expect(metrics.tokensPerWord == 1.5)
        #expect(metrics.distinctIDs == 2)
        #expect(metrics.vocabularySize == 301)
        #expect(metrics.vocabularyShare == 2.0 / 301)
        #expect(metrics.longestToken == LongestToken(id: 256, bytes: Array("ab".utf8)))
        #expect(metrics.roundTripsPassed == 1 && metrics.roundTripsChecked == 1)
        #expect(metrics.encodeSeconds == nil && metrics.megabytesPerSecond == nil)
    }

    @Test("the longest token is the lowest id among equally long ones")
    func longestTie() throws {
        let metrics = try Self.comparison().metrics(tokenizer: 0, file: 0)
        #expect(metrics.tokens == 5)
        #expect(metrics.longestToken == LongestToken(id: 32, bytes: [32]))
    }

    @Test("totals are ratios of sums, and the vocabulary share counts the union of ids")
    func totals() throws {
        let comparison = try Self.comparison()
        // "日本" is E6 97 A5 E6 9C AC: six byte tokens, five distinct, in both vocabularies.
        #expect(comparison.encodings[1][1].ids == [0xE6, 0x97, 0xA5, 0xE6, 0x9C, 0xAC])
        let totals = comparison.totals(tokenizer: 1)
        #expect(totals.text == TextMeasure(bytes: 11, characters: 7, words: 4))
        #expect(totals.tokens == 9)
        #expect(totals.bytesPerToken == 11.0 / 9)
        #expect(totals.charactersPerToken == 7.0 / 9)
        #expect(totals.tokensPerWord == 9.0 / 4)
        #expect(totals.distinctIDs == 7)
        #expect(totals.vocabularyShare == 7.0 / 301)
        #expect(totals.longestToken?.id == 256)
        #expect(totals.roundTripsPassed == 2 && totals.roundTripsChecked == 2)
        #expect(comparison.totals(tokenizer: 0).tokens == 11)
    }

    @Test("the ranking puts the fewest total tokens first, ties in the order given")
    func ranking() throws {
        #expect(try Self.comparison().ranking == [1, 0])
        let same = try Comparison.run([ComparedTokenizer(label: "one", codec: try Self.byteTokenizer()),
                                       ComparedTokenizer(label: "two", codec: try Self.byteTokenizer())],
                                      on: [ComparedFile(name: "x", bytes: Array("xyz".utf8))])
        #expect(same.ranking == [0, 1])
    }

    @Test("an empty file has no ratios, and timing gives a speed")
    func emptyAndTimed() throws {
        let comparison = try Comparison.run([ComparedTokenizer(label: "ab", codec: try Self.abTokenizer())],
                                            on: [ComparedFile(name: "empty", bytes: []), ComparedFile(name: "ab", bytes: Array("abab".utf8))],
                                            timing: .milliseconds(1))
        let empty = comparison.metrics(tokenizer: 0, file: 0)
        #expect(empty.tokens == 0 && empty.bytesPerToken == nil && empty.tokensPerWord == nil && empty.longestToken == nil)
        let timed = comparison.metrics(tokenizer: 0, file: 1)
        #expect((timed.megabytesPerSecond ?? 0) > 0)
        #expect(timed.megabytesPerSecond == Double(4) / (timed.encodeSeconds ?? 1) / 1_000_000)
    }

    @Test("a decoder that loses a byte fails the round trip at the offset of the loss")
    func brokenRoundTrip() throws {
        let codec = DroppingDecoder(base: try Self.abTokenizer(), victim: 256)
        let comparison = try Comparison.run([ComparedTokenizer(label: "broken", codec: codec)],
                                            on: [ComparedFile(name: "ab", bytes: Array("xab".utf8))])
        #expect(comparison.encodings[0][0].roundTrip == .differs(offset: 2))
        #expect(comparison.totals(tokenizer: 0).roundTripsPassed == 0)
    }

    @Test("files come from directories recursively, sorted, hidden and other endings skipped; bad UTF-8 names its file")
    func collect() throws {
        let scratch = Scratch()
        try FileSystem.write("b", to: scratch.file("b.txt"))
        try FileSystem.write("a", to: scratch.file("sub/a.txt"))
        try FileSystem.write("no", to: scratch.file("notes.md"))
        try FileSystem.write("no", to: scratch.file(".hidden/c.txt"))
        let files = try ComparedFile.collect([scratch.directory])
        #expect(files.map(\.name) == ["b.txt", "sub/a.txt"])
        #expect(try ComparedFile.collect([scratch.directory], extensions: ["md"]).map(\.name) == ["notes.md"])
        try FileSystem.write([0x61, 0xFF], to: scratch.file("bad.txt"))
        #expect {
            try ComparedFile.collect([scratch.file("bad.txt")])
        } throws: { "\($0)".contains("bad.txt") && "\($0)".contains("byte offset 1") }
        #expect(try ComparedFile.collect([scratch.file("bad.txt")], lossy: true).first?.bytes == [0x61, 0xEF, 0xBF, 0xBD])
        #expect { try ComparedFile.collect([scratch.file("missing.txt")]) } throws: { "\($0)".contains("missing.txt") }
    }
}

/// A tokenizer whose decoder loses the last byte of one token: a planted bug for the harness to find.
struct DroppingDecoder: TokenCodec {
    let base: Tokenizer
    let victim: TokenID

    var vocabulary: Vocabulary { base.vocabulary }

    func encodeOrdinary(bytes: [UInt8], lossy: Bool) throws -> [TokenID] {
        try base.encodeOrdinary(bytes: bytes, lossy: lossy)
    }

    func decodeBytes(_ ids: [TokenID]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids {
            var token = try base.decodeBytes([id])
            if id == victim { token.removeLast() }
            bytes += token
        }
        return bytes
    }
}
