import Testing
import Tokkit

/// ICU pre-splitting equals tiktoken's on every fixture, piece by piece (golden pieces from the real
/// tiktoken via `scripts/reference/make_golden.py`).
@Suite("ICU pieces equal tiktoken's on every fixture")
struct PreTokenizerGoldenTests {
    @Test("pattern matches fixture pieces", arguments: [
        ("tiktoken-gpt2.json", SplitPattern.gpt2),
        ("tiktoken-cl100k_base.json", SplitPattern.cl100k),
        ("pieces-o200k.json", SplitPattern.o200k),
        ("tiktoken-o200k_base.json", SplitPattern.o200k),
        ("tiktoken-qwen2.json", SplitPattern.qwen2),
    ])
    func pieces(golden name: String, pattern: SplitPattern) throws {
        let golden = try GoldenFile.load(name)
        #expect(golden.pattern == pattern.regex, "the golden file was made with another pattern")
        let splitter = try RegexPreTokenizer(pattern)
        #expect(golden.fixtures.count == Repository.fixtureNames.count, "every fixture has golden pieces")
        for (file, fixture) in golden.fixtures.sorted(by: { $0.key < $1.key }) {
            let text = try Repository.fixture(file)
            #expect(SHA256.hex(text) == fixture.sha256, "\(file) changed since the golden file was made; rerun make_golden.py")
            let pieces = try splitter.pieces(of: text)
            #expect(pieces.count == fixture.pieces.count, "\(file): piece count")
            if let mismatch = zip(pieces, fixture.pieces).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("\(file): piece \(mismatch) is \(pieces[mismatch]), tiktoken has \(fixture.pieces[mismatch])")
            }
        }
    }
}
