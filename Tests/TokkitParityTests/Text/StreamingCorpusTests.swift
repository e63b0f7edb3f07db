import Testing
import Tokkit

/// Streaming real multilingual text in chunks gives exactly the ids of encoding it whole.
@Suite("StreamingEncoder equals whole-text encoding on real text")
struct StreamingCorpusTests {
    @Test("1 MB of real multilingual text and every fixture, in small chunks on two threads", arguments: [("gpt2", nil), ("cl100k_base", nil), ("gpt2", SplitPattern.o200k)] as [(String, SplitPattern?)])
    func corpus(name: String, pattern: SplitPattern?) throws {
        let tokenizer = try Loaded.tokenizer(name, pattern: pattern)
        var text = try Repository.corpusPrefix("public_multi.txt", bytes: 1 << 20)
        for fixture in Repository.fixtureNames { text += try Repository.fixture(fixture) }
        let whole = try tokenizer.encode(bytes: text, disallowedSpecial: .none)
        for (chunk, block) in [(4_096, 1_000), (65_536, 300_000)] {
            let stream = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: chunk, threads: 2)
            #expect(stream.cutsSafely)
            #expect(try stream.encodeInBlocks(text, block: block) == whole, "chunk \(chunk), block \(block)")
        }
    }
}
