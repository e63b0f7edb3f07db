import Testing
import Tokkit

/// Ids equal the real tiktoken's on every fixture (golden files from `scripts/reference/make_golden.py`).
@Suite("Encoding every fixture gives tiktoken's ids")
struct EncoderGoldenTests {
    @Test("encode_ordinary and encode(allowed_special=all) match", arguments: [
        ("tiktoken-gpt2.json", "gpt2"),
        ("tiktoken-cl100k_base.json", "cl100k_base"),
        ("tiktoken-o200k_base.json", "o200k_base"),
        ("tiktoken-qwen2.json", "qwen2"),
        ("tiktoken-p50k_base.json", "p50k_base"),
        ("tiktoken-p50k_edit.json", "p50k_edit"),
    ])
    func fixtures(golden name: String, vocabulary: String) throws {
        let golden = try GoldenFile.load(name)
        let tokenizer = try Loaded.tokenizer(vocabulary)
        for (file, fixture) in golden.fixtures.sorted(by: { $0.key < $1.key }) {
            let text = try Repository.fixture(file)
            let ordinary = try tokenizer.encode(bytes: text, disallowedSpecial: .none)
            #expect(ordinary == fixture.ordinary, "\(file): \(firstDifference(ordinary, fixture.ordinary))")
            if let expected = fixture.allSpecial {
                let withSpecials = try tokenizer.encode(bytes: text, allowedSpecial: .all)
                #expect(withSpecials == expected, "\(file) with specials: \(firstDifference(withSpecials, expected))")
            }
            #expect(try tokenizer.decodeBytes(ordinary) == text, "\(file) round trip")
        }
    }

    @Test("the o200k pattern with GPT-2's ranks matches tiktoken")
    func o200kPattern() throws {
        let golden = try GoldenFile.load("pieces-o200k.json")
        let tokenizer = try Loaded.tokenizer("gpt2", pattern: .o200k)
        for (file, fixture) in golden.fixtures.sorted(by: { $0.key < $1.key }) {
            let ids = try tokenizer.encode(bytes: try Repository.fixture(file), disallowedSpecial: .none)
            #expect(ids == fixture.ordinary, "\(file): \(firstDifference(ids, fixture.ordinary))")
        }
    }
}
