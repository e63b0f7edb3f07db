import Testing
import Tokkit
import TokkitVerification

/// The hand-written scanners cut real multilingual text exactly where ICU's regex engine does.
@Suite("Scanners equal ICU on real text")
struct ScannerCorpusTests {
    @Test("real text: the first 3 MB of the multilingual corpus, line by line and whole", arguments: [SplitPattern.gpt2, .cl100k, .o200k])
    func corpus(pattern: SplitPattern) throws {
        let scanner = try #require(pattern.scanner)
        let icu = try RegexPreTokenizer(pattern)
        let text = try Repository.corpusPrefix("public_multi.txt", bytes: 3 << 20)
        #expect(try SplitComparison.firstMismatch(scanner, icu, on: text) == nil)
        var lines = 0
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if let mismatch = try SplitComparison.firstMismatch(scanner, icu, on: Array(line)) {
                Issue.record("\(pattern): \(mismatch)")
                return
            }
            lines += 1
        }
        #expect(lines > 10_000)
    }
}
