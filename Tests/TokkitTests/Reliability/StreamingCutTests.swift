import Foundation
import Testing
import Tokkit
import TokkitTestSupport

/// Streaming encode of text without spaces or newlines (CJK, one repeated character, runs of digits
/// or punctuation) used to hold the whole input: the only cuts needed a newline or an ASCII
/// letter–space–letter. These tests pin the fourth form of safe cut (the end of a run of letters or
/// digits, per pattern) against ICU's pieces and whole-text ids on adversarial text.
@Suite("Failure: streaming encode of text without spaces")
struct StreamingCutTests {
    static let patterns: [SplitPattern] = [.gpt2, .cl100k, .o200k, .qwen2]

    /// Text that joins across letters, digits, marks, apostrophes and punctuation, without a space or newline.
    static func adversarial(using random: inout SplitMix64, length: Int) -> [UInt8] {
        let atoms = ["的", "是", "a", "Z", "ж", "é", "ǅ", "ʰ", "\u{301}", "\u{94D}", "क", "1", "7", "٣", "①", "½", "。", "，", "」", "'", "'s",
                     "'S", "’", "-", ".", "/", "|", "<|", "|>", "<|endoftext|>", "𝔸", "😀", "\u{3000}", "\t", "000", "12345"]
        var text: [UInt8] = []
        while text.count < length { text += Array(atoms[Int.random(in: atoms.indices, using: &random)].utf8) }
        return text
    }

    @Test("every fourth-form cut is a piece boundary of ICU's pieces, and each side splits alone as in the whole",
          arguments: patterns)
    func cutsArePieceBoundaries(pattern: SplitPattern) throws {
        let splitter = try RegexPreTokenizer(pattern)
        let rules = try #require(CutRules(pattern: pattern, specialTokens: [Array("<|endoftext|>".utf8)]))
        var random = SplitMix64(seed: 11)
        var cuts = 0
        for _ in 0..<1_500 {
            let text = Self.adversarial(using: &random, length: 60)
            let whole = try splitter.pieces(of: text)
            try text.withUnsafeBufferPointer { buffer in
                var p = 0
                while let cut = StreamingEncoder.safeCut(in: buffer, after: p, near: p + 1, rules: rules), cut > p {
                    let head = try splitter.pieces(of: Array(text[..<cut]))
                    let tail = try splitter.pieces(of: Array(text[cut...])).map { ($0.lowerBound + cut)..<($0.upperBound + cut) }
                    #expect(head + tail == whole, "\(pattern): cut at \(cut) in \(String(decoding: text, as: UTF8.self).debugDescription)")
                    cuts += 1
                    p = cut
                }
            }
        }
        #expect(cuts >= 3_000, "\(pattern): \(cuts) cuts")
    }

    @Test("the cut check can fail: a cut inside a letter run or after a punctuation prefix is caught by ICU's pieces")
    func plantedCutIsCaught() throws {
        let splitter = try RegexPreTokenizer(.cl100k)
        let text = Array("的是，的是".utf8)
        let whole = try splitter.pieces(of: text)
        // Between "，" and "的": cl100k's `[^\r\n\p{L}\p{N}]?+\p{L}++` joins them, so this is no cut.
        let cut = 9
        let split = try splitter.pieces(of: Array(text[..<cut])) + splitter.pieces(of: Array(text[cut...])).map { ($0.lowerBound + cut)..<($0.upperBound + cut) }
        #expect(split != whole)
        let rules = try #require(CutRules(pattern: .cl100k, specialTokens: []))
        text.withUnsafeBufferPointer { buffer in
            #expect(StreamingEncoder.safeCut(in: buffer, after: 0, near: cut, rules: rules) == 6, "the cut before '，'")
        }
    }

    @Test("no cut splits a special token, even one cut off by the end of the text")
    func specialTokensAreNotSplit() throws {
        let rules = try #require(CutRules(pattern: .cl100k, specialTokens: [Array("<|endoftext|>".utf8)]))
        for text in ["的的<|endoftext|>的的", "的的<|endoftext", "12<|endoftext|>", "x<|endoftext|>"] {
            let bytes = Array(text.utf8)
            let start = bytes.firstIndex(of: UInt8(ascii: "<"))!
            bytes.withUnsafeBufferPointer { buffer in
                var p = 0
                while let cut = StreamingEncoder.safeCut(in: buffer, after: p, near: p + 1, rules: rules), cut > p {
                    #expect(cut <= start + 1 || cut >= start + 13, "cut at \(cut) in \(text)")
                    p = cut
                }
            }
        }
    }

    /// The tokenizers of the four named patterns.
    static let tokenizers: [(String, SplitPattern?)] = [("gpt2", nil), ("cl100k_base", nil), ("o200k_base", nil), ("qwen2", nil)]

    @Test("streamed ids equal whole-text ids on adversarial text without spaces, in small chunks and blocks",
          arguments: 0..<4)
    func idsEqualWholeText(index: Int) throws {
        let (name, pattern) = Self.tokenizers[index]
        let tokenizer = try Loaded.tokenizer(name, pattern: pattern)
        var random = SplitMix64(seed: UInt64(17 + index))
        var texts: [[UInt8]] = (0..<6).map { _ in Self.adversarial(using: &random, length: 40_000) }
        texts.append(Array(String(repeating: "的", count: 30_000).utf8))
        texts.append(Array(String(repeating: "。", count: 30_000).utf8))
        texts.append(Array(String(repeating: "a", count: 90_000).utf8))
        texts.append(Array(String(repeating: "1234567890", count: 9_000).utf8))
        texts.append(Array(String(repeating: "的是一个，中文。", count: 4_000).utf8))
        texts.append(Array(String(repeating: "12,345.67;", count: 9_000).utf8))
        for (number, text) in texts.enumerated() {
            let whole = try tokenizer.encode(bytes: text, allowedSpecial: .all)
            for (chunk, block, threads) in [(256, 999, 1), (4_096, 5_000, 2), (1_000, 100_000, 3)] {
                let stream = StreamingEncoder(tokenizer: tokenizer, allowedSpecial: .all, chunkSize: chunk, threads: threads)
                #expect(try stream.encodeInBlocks(text, block: block) == whole, "\(name) text \(number) chunk \(chunk) block \(block)")
            }
        }
    }

    @Test("CJK and digits without spaces are encoded as they arrive, not held to the end", arguments: 0..<4)
    func idsArriveBeforeTheEnd(index: Int) throws {
        let (name, pattern) = Self.tokenizers[index]
        let tokenizer = try Loaded.tokenizer(name, pattern: pattern)
        let inputs = [String(repeating: "的是一个中文句子，没有空格。", count: 20_000), String(repeating: "31415926535897932384", count: 20_000)]
        for (number, input) in inputs.enumerated() where !(name == "gpt2" && number == 1) {
            let text = Array(input.utf8)
            let stream = StreamingEncoder(tokenizer: tokenizer, chunkSize: 4_096, threads: 2)
            var early: [TokenID] = []
            var offset = 0
            while offset < text.count {
                let end = min(text.count, offset + 8_192)
                early += try text[offset..<end].withUnsafeBufferPointer { try stream.feed($0) }
                offset = end
            }
            let all = early + (try stream.finish())
            #expect(all == (try tokenizer.encode(bytes: text)))
            #expect(Double(early.count) > 0.9 * Double(all.count), "\(name) input \(number): \(early.count) of \(all.count) ids before finish()")
        }
    }
}
