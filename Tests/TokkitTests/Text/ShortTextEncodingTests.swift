import Testing
import Tokkit
import TokkitTestSupport

/// `Tokenizer.encodeShort` runs the scanner loop with the caller's memory as its block (the C ABI's
/// `tk_encode_into`, Python's per-call path). It must give the general entry's ids and errors on every
/// short text, never write past the text's `text.count` slots, and decline what it does not take.
@Suite("A short text encoded straight into the caller's memory")
struct ShortTextEncodingTests {
    /// Windows of mixed text (whole tokens, merged pieces, multi-byte characters, runs, special-token text)
    /// of 0 to 260 bytes, cut at character boundaries.
    static func windows() -> [[UInt8]] {
        let text = Array((ScannedEncodingTests.text(seed: 7) + " <|endoftext|> x<|endoftext|>").utf8)
        let lengths = [0, 1, 2, 3, 5, 8, 13, 31, 64, 100, 127, 200, 250, 254, 255, 256, 257, 260]
        var windows: [[UInt8]] = []
        for start in Array(stride(from: 0, to: text.count - 300, by: 211)) + [text.count - 40] {
            for length in lengths {
                var lower = start, upper = min(text.count, start + length)
                while lower < upper, text[lower] & 0xC0 == 0x80 { lower += 1 }
                while upper < text.count, upper > lower, text[upper] & 0xC0 == 0x80 { upper -= 1 }
                windows.append(Array(text[lower..<upper]))
            }
        }
        return windows
    }

    @Test("gives the general entry's ids and errors, and writes nothing past the text",
          arguments: ["gpt2", "cl100k_base", "o200k_base", "qwen2"])
    func sameAsGeneral(vocabulary name: String) throws {
        let tokenizer = try Loaded.tokenizer(name)
        let canary: TokenID = 0xDEAD_BEEF
        var merger = BytePairMerger()
        var taken = 0, refused = 0
        for disallowed in [SpecialTokenSet.none, .all] {
            let specials = tokenizer.prepareSpecials(allowed: .none, disallowed: disallowed)
            for window in Self.windows() {
                var expected: Result<[TokenID], EncodingError> = .success([])
                window.withUnsafeBufferPointer { text in
                    var ids: [TokenID] = []
                    expected = Result { () throws(EncodingError) -> [TokenID] in
                        var general = BytePairMerger()
                        try tokenizer.encode(validUTF8: text, specials: specials, merger: &general, into: &ids)
                        return ids
                    }
                }
                var buffer = [TokenID](repeating: canary, count: window.count + 16)
                let outcome = window.withUnsafeBufferPointer { text in
                    buffer.withUnsafeMutableBufferPointer { ids in
                        Result { () throws(EncodingError) -> Int? in
                            try tokenizer.encodeShort(validUTF8: text, specials: specials, merger: &merger, to: ids.baseAddress!)
                        }
                    }
                }
                let untouched = buffer[window.count...].allSatisfy { $0 == canary }
                #expect(untouched, "\(name): a write past the text's \(window.count) slots")
                switch (outcome, expected) {
                case (.success(nil), _):
                    #expect(window.count > Tokenizer.shortTextLimit, "\(name): declined a \(window.count)-byte text")
                case let (.success(count?), .success(ids)):
                    taken += 1
                    #expect(window.count <= Tokenizer.shortTextLimit)
                    #expect(Array(buffer[..<count]) == ids, "\(name): \(String(decoding: window, as: UTF8.self).debugDescription)")
                case let (.failure(error), .failure(general)):
                    refused += 1
                    #expect(error == general)
                default:
                    Issue.record("\(name): \(outcome) where the general entry gave \(expected)")
                }
            }
        }
        #expect(taken > 500 && refused > 5, "\(name): \(taken) texts taken, \(refused) refused")
    }

    @Test("declines special tokens to encode as ids, and pre-tokenizers that are not scanners")
    func declines() throws {
        let scanned = try Loaded.tokenizer("cl100k_base")
        let icu = try Tokenizer(vocabulary: scanned.vocabulary, pattern: scanned.pattern, engine: .icu)
        var merger = BytePairMerger()
        var ids = [TokenID](repeating: 0, count: 16)
        let text = Array("hello".utf8)
        for (tokenizer, allowed) in [(scanned, SpecialTokenSet.all), (icu, .none)] {
            let specials = tokenizer.prepareSpecials(allowed: allowed, disallowed: .none)
            let count = try text.withUnsafeBufferPointer { text in
                try ids.withUnsafeMutableBufferPointer { ids in
                    try tokenizer.encodeShort(validUTF8: text, specials: specials, merger: &merger, to: ids.baseAddress!)
                }
            }
            #expect(count == nil)
        }
    }
}
