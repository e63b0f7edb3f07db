import Testing
import TokkitCore

@Suite("Special-token matcher")
struct SpecialTokenMatcherTests {
    /// The leftmost token, the longest at that byte: by trying every token at every byte.
    static func naive(_ tokens: [SpecialToken], _ text: [UInt8], from offset: Int) -> (id: TokenID, start: Int)? {
        for start in offset..<max(offset, text.count) {
            let here = tokens.filter { !$0.bytes.isEmpty && text[start...].starts(with: $0.bytes) }
            if let longest = here.max(by: { $0.bytes.count < $1.bytes.count }) { return (longest.id, start) }
        }
        return nil
    }

    @Test("finds what trying every token at every byte finds, with one first byte (memchr) and with several (table)",
          arguments: [
              ["<|endoftext|>", "<|fim_prefix|>", "<|a", "<|a|>"],           // all start with `<`: the memchr path
              ["<|endoftext|>", "[MASK]", "<|a", "<|a|>", "\u{00E9}t\u{00E9}"], // several first bytes: the table path
          ])
    func agreesWithNaive(_ names: [String]) {
        let tokens = names.enumerated().map { SpecialToken($1, id: TokenID(1000 + $0)) }
        let matcher = SpecialTokenMatcher(tokens)
        var generator = SystemRandomNumberGenerator()
        let pieces = names + ["<", "<|", "[", "\u{00E9}", "x", " ", "<|endoftext", "MASK]"]
        for _ in 0..<400 {
            let text = Array((0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined().utf8)
            for offset in [0, text.count / 3, text.count] {
                let found = text.withUnsafeBufferPointer { matcher.firstMatch(in: $0, from: offset) }
                let expected = Self.naive(tokens, text, from: offset)
                #expect(found?.token.id == expected?.id && found?.start == expected?.start,
                        "\(String(decoding: text, as: UTF8.self).debugDescription) from \(offset)")
            }
        }
    }
}
