import Testing
import Tokkit
import TokkitVerification

/// The hand-written scanners cut text exactly where ICU's regex engine does, piece by piece: on
/// 100,000 seeded adversarial strings per pattern, on every fixture and on real multilingual text.
/// (`bench/encode_bench.py` runs the same comparison on 10 million strings per pattern.)
@Suite("Scanners equal ICU, piece by piece")
struct ScannerDifferentialTests {
    static let patterns: [SplitPattern] = [.gpt2, .cl100k, .o200k, .qwen2]
    static let seeds: [UInt64] = [11, 23, 47, 83]
    static let stringsPerSeed = 25_000
    static let alphabet = AdversarialText()

    @Test("random adversarial strings", arguments: patterns, seeds)
    func adversarial(pattern: SplitPattern, seed: UInt64) throws {
        let scanner = try #require(pattern.scanner)
        let icu = try RegexPreTokenizer(pattern)
        var random = SplitMix64(seed: seed)
        var compared = 0
        for _ in 0..<Self.stringsPerSeed {
            let text = Self.alphabet.string(maxLength: 24, using: &random)
            if let mismatch = try SplitComparison.firstMismatch(scanner, icu, on: text) {
                Issue.record("\(pattern), seed \(seed): \(mismatch)")
                return
            }
            compared += 1
        }
        #expect(compared == Self.stringsPerSeed)
    }

    @Test("the strings tell the patterns apart: a scanner compared with another pattern's ICU fails fast",
          arguments: [(SplitPattern.gpt2, SplitPattern.cl100k), (.cl100k, .o200k), (.o200k, .cl100k),
                     (.qwen2, .cl100k), (.cl100k, .qwen2)])
    func power(scanned: SplitPattern, reference: SplitPattern) throws {
        let scanner = try #require(scanned.scanner)
        let icu = try RegexPreTokenizer(reference)
        var random = SplitMix64(seed: 5)
        let firstMismatch = try (0..<2_000).first { _ in
            try SplitComparison.firstMismatch(scanner, icu, on: Self.alphabet.string(maxLength: 24, using: &random)) != nil
        }
        #expect(try #require(firstMismatch) < 200)
    }

    @Test("the alphabet holds every White_Space code point and unassigned ones from every plane")
    func alphabetCoverage() {
        let whiteSpace = Self.alphabet.whiteSpace
        #expect(whiteSpace.count == 25)
        for codePoint: UInt32 in [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x3000] {
            #expect(whiteSpace.contains(codePoint))
        }
        #expect(!whiteSpace.contains(0x200B) && !whiteSpace.contains(0x180E) && !whiteSpace.contains(0x1C))
    }

    @Test("hand-picked edges", arguments: patterns)
    func edges(pattern: SplitPattern) throws {
        let scanner = try #require(pattern.scanner)
        let icu = try RegexPreTokenizer(pattern)
        let edges = ["", " ", "  ", "x\n  ", "\n  ", "x\n\n ", "a  b", "'s", "'S", "'ſ", "'LL", "'ll", "'Ve", "'x",
                     "\u{301}Z", " \u{301}", "A\u{301}b", "ǅa", "ABC'S", "abc'Sx", "\r\n\r\n", "  \r\n  x", "1234567",
                     " 12", "+\n/\nx", " +/", "\u{3000}word", "\u{A0}\u{A0}x", "x\u{85}", "\u{200D}\u{1F468}", "'\u{2019}s",
                     "2024", "x 12345\n", "\u{661}\u{662}\u{663}\u{664}", "Ⅻ1", "x\r\n  ", "\n \n  ", " \t", "'s'T'rE'M'lL'D"]
        for edge in edges {
            if let mismatch = try SplitComparison.firstMismatch(scanner, icu, on: Array(edge.utf8)) {
                Issue.record("\(pattern): \(mismatch)")
            }
        }
    }

    @Test("every fixture, whole", arguments: patterns)
    func fixtures(pattern: SplitPattern) throws {
        let scanner = try #require(pattern.scanner)
        let icu = try RegexPreTokenizer(pattern)
        for name in Repository.fixtureNames {
            if let mismatch = try SplitComparison.firstMismatch(scanner, icu, on: try Repository.fixture(name)) {
                Issue.record("\(pattern), \(name): piece \(mismatch.index) differs")
            }
        }
    }
}
