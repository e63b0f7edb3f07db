import Foundation
import Testing
@testable import TokkitPrep

@Suite("Line-span de-duplication")
struct LineDedupTests {
    @Test("xxHash digests equal the xxhash package's (reference §14 and a 57-byte UTF-8 string)")
    func xxhash() {
        let digest = { (text: String, bits: Int) -> UInt64 in
            Array(text.utf8).withUnsafeBytes { bits == 64 ? XXHash.hash64($0) : UInt64(XXHash.hash32($0)) }
        }
        #expect(digest("the quick brown fox jumps", 64) == 7_797_000_677_988_824_208)
        #expect(digest("the quick brown fox jumps", 32) == 1_936_900_125)
        #expect(digest("héllo wörld, a longer string of more than thirty-two bytes", 64) == 12_697_373_453_234_800_226)
        #expect(digest("", 64) == 0xEF46_DB37_51D8_E999)
        #expect(digest("", 32) == 0x02CC_5D05)
    }

    @Test("a repeated 3-line span is removed from the later document, which is kept only with enough words and sentences")
    func removal() throws {
        let shared = "Alpha line one.\nBeta line two.\nGamma line three."
        let first = "Intro.\n" + shared + "\nOutro of the first."
        let second = "Other start.\n" + shared + "\nOther end."
        let dedup = try LineDeduplicator(configuration: .init(minDocumentWords: 0, minSentences: 0))
        var index = LineDedupIndex()
        #expect(index.duplicates(dedup.spanKeys(first)).isEmpty)
        let repeated = index.duplicates(dedup.spanKeys(second))
        #expect(repeated == [1])
        #expect(dedup.removing(lines: repeated, from: second) == "Other start.\nOther end.")
        #expect(dedup.keeps(original: second, filtered: "Other start.\nOther end."))
        let strict = try LineDeduplicator(configuration: .init(minDocumentWords: 50))
        #expect(!strict.keeps(original: second, filtered: "Other start.\nOther end."))
        #expect(strict.keeps(original: second, filtered: second))
        // Punctuation and case do not matter (simplify_text keys); blank spans are not keys.
        #expect(index.duplicates(dedup.spanKeys("ALPHA line one\nbeta, LINE two!\ngamma line three")) == [0])
        #expect(dedup.spanKeys("\n \n\t\n").isEmpty)
    }

    @Test("the false-positive rate chooses the key precision by the birthday bound")
    func precision() throws {
        #expect(try LineDedupConfiguration.precision(falsePositiveRate: 0.01, expectedSpans: 1_000) == 32)
        #expect(try LineDedupConfiguration.precision(falsePositiveRate: 0.01, expectedSpans: 1e8) == 64)
        #expect(throws: DedupError.self) { try LineDedupConfiguration.precision(falsePositiveRate: 1e-6, expectedSpans: 1e12) }
        #expect(throws: DedupError.self) { try LineDeduplicator(configuration: .init(precision: 16)) }
    }

    @Test("sentence spans are where spaCy 3.8's sentencizer puts them (goldens from spacy.blank(\"en\") + sentencizer)",
          arguments: [
              ("Hi!!  Yes. No?", [0..<4, 5..<10, 11..<14]),
              ("Dr. Smith went home. He slept...  Then (he woke).", [0..<20, 21..<49]),
              ("\n\nFirst line without end\nsecond line. Third!\"  Fourth", [0..<37, 38..<45, 46..<53]),
              ("一。二。", [0..<4]),
              ("", []),
          ])
    func sentenceSpans(text: String, expected: [Range<Int>]) {
        #expect(SpacyEnglishWordSplitter.shared.sentenceRanges(Array(text.unicodeScalars)) == expected)
    }

    @Test("spans of sentences: keys per sentence window, and a removed sentence takes the whitespace before it")
    func sentenceMode() throws {
        var configuration = LineDedupConfiguration(spanLines: 2)
        configuration.split = .sentences
        let sentences = try LineDeduplicator(configuration: configuration)
        #expect(sentences.removing(lines: [1], from: "Cats sit. Dogs run.  Birds fly. Fish swim.") == "Cats sit. Fish swim.")
        #expect(sentences.spanKeys("Cats sit. Dogs run. Birds fly.").map(\.line) == [0, 1])
        // On lines the same text is one line: no span of two.
        #expect(try LineDeduplicator(configuration: .init(spanLines: 2)).spanKeys("Cats sit. Dogs run. Birds fly.").isEmpty)
    }
}
