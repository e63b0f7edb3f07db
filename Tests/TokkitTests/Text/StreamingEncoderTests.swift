import Testing
import Tokkit
import TokkitVerification

/// Streaming in chunks cut at safe cuts gives exactly the ids of encoding the whole text at once.
@Suite("StreamingEncoder equals whole-text encoding")
struct StreamingEncoderTests {
    static let tokenizers: [(String, SplitPattern?)] = [("gpt2", nil), ("cl100k_base", nil), ("gpt2", .o200k), ("qwen2", nil)]

    @Test("safe cuts are piece boundaries of every named pattern, and each side splits alone as in the whole",
          arguments: [SplitPattern.gpt2, .cl100k, .o200k, .qwen2])
    func cutsArePieceBoundaries(pattern: SplitPattern) throws {
        let splitter = try RegexPreTokenizer(pattern)
        let alphabet = AdversarialText()
        var random = SplitMix64(seed: 3)
        var cuts = 0
        // Around a candidate cut: marks (ASCII and not, letters, punctuation, a combining
        // accent, astral), whitespace (ASCII and not) and o200k's `/`, which a `\n` joins.
        let before = ["x", "7", ".", "é", "日", "。", "\u{301}", "𝔸", "'", " ", "\u{3000}", "\u{A0}", "\u{85}", "\r", "\u{1F}"]
        let after = ["A", "ж", "日", "「", "𝔸", "é", "\u{301}", "/", "1", "'", " ", "\u{3000}", "\u{2028}", "\u{A0}", "\r"]
        // Newlines, alone or in whitespace runs; spaces after whitespace (no cut: cl100k's `\s++$`).
        let separators = ["\n", "\n ", "\n\n", "\n  ", " \n ", "\r\n", "  ", "\t "]
        var nonASCIICuts = 0
        var cutsBeforeNewline = 0
        for _ in 0..<3_000 {
            let left = alphabet.string(maxLength: 12, using: &random)
            let right = alphabet.string(maxLength: 12, using: &random)
            let middle = before[Int.random(in: before.indices, using: &random)] + separators[Int.random(in: separators.indices, using: &random)]
                + after[Int.random(in: after.indices, using: &random)]
            let text = left + Array(middle.utf8) + right
            let whole = try splitter.pieces(of: text)
            try text.withUnsafeBufferPointer { buffer in
                var p = 0
                while let cut = StreamingEncoder.safeCut(in: buffer, after: p, near: p + 1), cut > p {
                    let head = try splitter.pieces(of: Array(text[..<cut]))
                    let tail = try splitter.pieces(of: Array(text[cut...])).map { ($0.lowerBound + cut)..<($0.upperBound + cut) }
                    #expect(head + tail == whole, "cut at \(cut) in \(text)")
                    cuts += 1
                    if text[cut] == UInt8(ascii: "\n") {
                        cutsBeforeNewline += 1
                    } else if text[cut] >= 0x80 || text[cut - 2] >= 0x80 {
                        nonASCIICuts += 1
                    }
                    p = cut
                }
            }
        }
        #expect(cuts >= 300)
        #expect(nonASCIICuts >= 100, "non-ASCII marks beside a newline make cuts")
        #expect(cutsBeforeNewline >= 50, "a newline after an ASCII letter or digit makes a cut")
    }

    @Test("one feed of the whole text is cut in the caller's buffer, with chunks shrinking toward the end",
          arguments: [1, 2, 3])
    func oneFeed(threads: Int) throws {
        let tokenizer = try Loaded.tokenizer("gpt2")
        // Every fixture (eight languages, emoji, code), repeated to half a megabyte.
        var text: [UInt8] = []
        while text.count < 1 << 19 { for fixture in Repository.fixtureNames { text += try Repository.fixture(fixture) } }
        let whole = try tokenizer.encode(bytes: text, disallowedSpecial: .none)
        for block in [text.count, text.count - 1_000] {
            // The second: the bytes kept after the last cut of the first feed join the next feed.
            let stream = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: 16_384, threads: threads)
            #expect(try stream.encodeInBlocks(text, block: block) == whole, "block \(block)")
        }
        // Chunk by chunk, as `tokkit encode` takes them: the same ids, in one array per chunk.
        let chunked = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: 16_384, threads: threads)
        let chunks = try chunked.feedChunks(text) + chunked.finishChunks()
        #expect(chunks.count >= 16 && !chunks.contains { $0.isEmpty })
        #expect(Array(chunks.joined()) == whole)

        text[400_000] = 0xFF
        #expect(throws: EncodingError.invalidUTF8(offset: 400_000)) {
            try StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: 16_384, threads: threads)
                .encodeInBlocks(text, block: text.count)
        }
    }

    @Test("special tokens, invalid UTF-8 and lossy repair behave as in whole-text encoding")
    func specialsAndBadBytes() throws {
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        var text = Array(String(repeating: "Some line of text.\nAnother <|endoftext|> line\n", count: 400).utf8)
        let allowed = try tokenizer.encode(bytes: text, allowedSpecial: .all)
        let stream = StreamingEncoder(tokenizer: tokenizer, allowedSpecial: .all, chunkSize: 512, threads: 2)
        #expect(try stream.encodeInBlocks(text, block: 700) == allowed)

        let disallowed = StreamingEncoder(tokenizer: tokenizer, chunkSize: 512, threads: 2)
        #expect(throws: EncodingError.disallowedSpecialToken(text: "<|endoftext|>", offset: 27)) {
            try disallowed.encodeInBlocks(text, block: 700)
        }

        text[15_000] = 0xFF
        #expect(throws: EncodingError.invalidUTF8(offset: 15_000)) {
            try StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: 512, threads: 2).encodeInBlocks(text, block: 700)
        }
        let lossy = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, lossy: true, chunkSize: 512, threads: 2)
        #expect(try lossy.encodeInBlocks(text, block: 700) == tokenizer.encode(bytes: text, disallowedSpecial: .none, lossy: true))
    }

    @Test("strings are fed without a second UTF-8 check; bytes fed beside them are still checked", arguments: [1, 2])
    func stringsAndBytes(threads: Int) throws {
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        var text = ""
        while text.utf8.count < 1 << 18 { for fixture in Repository.fixtureNames { text += String(decoding: try Repository.fixture(fixture), as: UTF8.self) } }
        let whole = try tokenizer.encode(text, disallowedSpecial: .none)
        // Thirds at character boundaries: a string, its bytes, a string; and the whole as one string.
        let characters = Array(text)
        let thirds = [0, characters.count / 3, 2 * characters.count / 3, characters.count]
        let parts = (0..<3).map { String(characters[thirds[$0]..<thirds[$0 + 1]]) }
        let stream = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: 8_192, threads: threads)
        var ids = try stream.feed(parts[0])
        ids += try stream.feed(Array(parts[1].utf8))
        ids += try stream.feed(parts[2])
        #expect(ids + (try stream.finish()) == whole)
        let once = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: 8_192, threads: threads)
        #expect(Array(try once.feedChunks(text).joined()) + Array(try once.finishChunks().joined()) == whole)

        // A bad byte fed as bytes after a string: found, at its offset in the whole input, whether it joins the
        // string's bytes still pending (a short feed) or comes with enough bytes to be encoded from the caller's buffer.
        let head = parts[0] + parts[1]
        for tail in [Array("ab ".utf8) + [0xFF] + Array(" cd".utf8), Array(parts[2].utf8) + [0xFF]] {
            let checking = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: 8_192, threads: threads)
            let offset = head.utf8.count + tail.firstIndex(of: 0xFF)!
            #expect(throws: EncodingError.invalidUTF8(offset: offset)) {
                _ = try checking.feed(head)
                _ = try checking.feed(tail)
                _ = try checking.finish()
            }
        }
    }

    @Test("a custom pattern is never cut: it is encoded whole at the end")
    func customPatternIsNotCut() throws {
        let base = try Loaded.tokenizer("gpt2")
        let tokenizer = try Tokenizer(vocabulary: base.vocabulary, pattern: .custom(#"\p{L}+|\s+|."#))
        let text = Array(String(repeating: "word.\nNext\n", count: 200).utf8)
        let stream = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, chunkSize: 64, threads: 2)
        #expect(!stream.cutsSafely)
        let fed = try text.withUnsafeBufferPointer { try stream.feed($0) }
        #expect(fed.isEmpty)
        #expect(try stream.finish() == tokenizer.encode(bytes: text, disallowedSpecial: .none))
    }
}
