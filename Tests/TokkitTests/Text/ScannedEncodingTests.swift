import Testing
import Tokkit
import TokkitTestSupport

/// The scanner loop writes ids into a block of its own and appends the block to the output when the
/// next piece might not fit; a piece longer than the block is appended alone. These texts cross the
/// block's end hundreds of times, at every offset, with pieces from one byte to past the block's
/// length, and must give the ids of ICU's pieces encoded one at a time into the array.
@Suite("The scanner loop's ids equal ICU's pieces encoded one by one")
struct ScannedEncodingTests {
    /// Words, numbers, CJK, an emoji, contractions, and runs (spaces, dashes, letters, digits) of
    /// up to 600 bytes: whole tokens, merged pieces, cache hits and heap merges.
    static func text(seed: UInt64) -> String {
        var random = SplitMix64(seed: seed)
        let words = [" the", " Tokenisierungsverfahren", "ologi", " 12345", "中文字", "😀", "'LL", "\n", "  ", "\t",
                     " привет", "x", "'s", " --", "é", "\r\n"]
        var text = ""
        for _ in 0..<3_000 {
            if Int.random(in: 0..<40, using: &random) == 0 {
                let run = ["a", " ", "-", "7", "\n"].randomElement(using: &random)!
                text += String(repeating: run, count: Int.random(in: 200...600, using: &random))
            } else {
                text += words.randomElement(using: &random)!
            }
        }
        return text
    }

    @Test("on mixed text with long runs", arguments: ["gpt2", "cl100k_base", "o200k_base", "qwen2"])
    func scannedEqualsPieceByPiece(vocabulary name: String) throws {
        let scanned = try Loaded.tokenizer(name)
        let icu = try Tokenizer(vocabulary: scanned.vocabulary, pattern: scanned.pattern, engine: .icu)
        for seed: UInt64 in [1, 2, 3] {
            let text = Self.text(seed: seed)
            let expected = try icu.encodeOrdinary(text)
            let ids = try scanned.encodeOrdinary(text)
            let same = ids == expected
            #expect(same, "\(name), seed \(seed)")
            #expect(ids.count > 4_000, "the block is appended many times")
            // Again with one merger kept: the second pass takes every merged piece, runs of up to
            // `PieceCache.maxPieceLength` bytes included, from the cache.
            var merger = BytePairMerger()
            for pass in 0..<2 {
                var kept: [TokenID] = []
                try Array(text.utf8).withUnsafeBufferPointer { buffer in
                    try scanned.encode(validUTF8: buffer, allowedSpecial: .none, disallowedSpecial: .none, merger: &merger, into: &kept)
                }
                let keptSame = kept == expected
                #expect(keptSame, "\(name), seed \(seed), pass \(pass)")
            }
        }
    }

    /// The scanner loop checks once per text, not per piece, that the merger's cache holds ids of this
    /// vocabulary.
    @Test("a merger kept across vocabularies gives each one's own ids through the scanner loop")
    func mergerAcrossVocabularies() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        let cl100k = try Loaded.tokenizer("cl100k_base")
        let text = Array(Self.text(seed: 4).utf8)
        var merger = BytePairMerger()
        for tokenizer in [gpt2, cl100k, gpt2] {
            var ids: [TokenID] = []
            try text.withUnsafeBufferPointer { buffer in
                try tokenizer.encode(validUTF8: buffer, allowedSpecial: .none, disallowedSpecial: .none, merger: &merger, into: &ids)
            }
            let same = ids == (try tokenizer.encode(bytes: text, disallowedSpecial: .none))
            #expect(same, "\(tokenizer.pattern)")
        }
    }
}
