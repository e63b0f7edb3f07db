import Testing
import TokkitCore
@testable import TokkitText
import TokkitVerification

/// The piece ends a block of 64 bytes decides at once (`tk_cl100k_piece_ends`, behind `CL100kScanner.pieceEnds` and
/// `Qwen2Scanner.pieceEnds`) are the ends the scanners' own rules give piece by piece, and the scanners with blocks
/// still cut long mostly-ASCII text where ICU does. The adversarial strings of `ScannerDifferentialTests` are too short
/// (and too rarely ASCII for 32 bytes in a row) to reach the block path, hence these texts.
@Suite("Blocks of 64 bytes: the piece ends they decide are the scanners' own")
struct PieceEndsTests {
    /// What the texts are made of: every ASCII class the rules tell apart (letters, among them those of the
    /// contractions; digits; the space, `\t \v \f`, `\r \n`; the apostrophe; punctuation; control bytes that are no
    /// whitespace, 0x1C among them), words and runs of each, and now and then a character that is not ASCII (a letter,
    /// a combining mark, a space, CJK), which must stop a block.
    static let parts: [String] = [
        "a", "Z", "s", "t", "d", "m", "l", "v", "e", "r", "S", "LL", "ll", "ve", "RE", "re", "x",
        "the", " the", "word", "Tokkit", "don't", "it's", "we'll", "I'VE", "they're", "'s", "'t", "'ll", "''",
        "0", "7", "12", "123", "2024", "1234567", " 42",
        " ", "  ", "    ", "\t", "\u{0B}", "\u{0C}", "\n", "\r", "\r\n", "\n\n", " \n", "\n ", "\n    ", " \n\t",
        "'", ".", ",", "!", "?", "...", "(", ")", "\"", "-", "--", "$", "#", "/", "\\", "{}", "<>", "'.'",
        "\u{01}", "\u{1C}", "\u{1F}", "\u{7F}",
        "é", "\u{301}", "\u{A0}", "\u{3000}", "中文", "ж",
    ]

    /// A text of `pieces` parts drawn with weights: non-ASCII parts are one draw in `nonASCIIOneIn`.
    static func text(_ random: inout SplitMix64, parts count: Int, nonASCIIOneIn: Int) -> [UInt8] {
        let ascii = parts.filter { $0.utf8.allSatisfy { $0 < 0x80 } }
        let other = parts.filter { !$0.utf8.allSatisfy { $0 < 0x80 } }
        var bytes: [UInt8] = []
        for _ in 0..<count {
            let part = Int.random(in: 0..<nonASCIIOneIn, using: &random) == 0
                ? other.randomElement(using: &random)! : ascii.randomElement(using: &random)!
            bytes += Array(part.utf8)
        }
        return bytes
    }

    /// Walks `bytes` piece by piece with the scanner's own rules; at every piece start, asks the block for its ends and
    /// holds each against the walk. Returns the blocks that decided something, the ends they gave, and the blocks whose
    /// ends differ. `digits` is the block's digits per piece (the scanner's own, unless a test plants another).
    static func compare<S: PieceScanner>(_: S.Type, _ bytes: [UInt8], digits: Int) -> (blocks: Int, ends: Int, wrong: Int) {
        bytes.withUnsafeBufferPointer { buffer in
            ScannedText.with(buffer) { text in
                var blocks = 0, ends = 0, wrong = 0
                var start = 0
                while start < text.count {
                    let block = CL100kScanner.pieceEnds(in: text, from: start, digitsPerPiece: digits)
                    if block != 0 {
                        blocks += 1
                        // The scanner's ends from `start` up to the block's last.
                        let last = start + 63 - block.leadingZeroBitCount
                        var expected: UInt64 = 0
                        var at = start
                        while at < last {
                            at = S.endOfPiece(in: text, from: at)
                            if at - start < 64 { expected |= 1 << UInt64(at - start) }
                        }
                        ends += block.nonzeroBitCount
                        if expected != block || at != last { wrong += 1 }
                    }
                    start = S.endOfPiece(in: text, from: start)
                }
                return (blocks, ends, wrong)
            }
        }
    }

    @Test("every end a block decides is the scanner's, at every piece start of 4,000 seeded texts",
          arguments: [(SplitPattern.cl100k, 0 as UInt64), (.cl100k, 1), (.qwen2, 2), (.qwen2, 3)])
    func sameEnds(pattern: SplitPattern, seed: UInt64) {
        var blocks = 0, ends = 0, wrong = 0
        for index in 0..<4_000 {
            var random = SplitMix64(seed: seed, index: index)
            let bytes = Self.text(&random, parts: Int.random(in: 20...120, using: &random), nonASCIIOneIn: 40)
            let result = pattern == .cl100k ? Self.compare(CL100kScanner.self, bytes, digits: 3)
                                            : Self.compare(Qwen2Scanner.self, bytes, digits: 1)
            blocks += result.blocks
            ends += result.ends
            wrong += result.wrong
        }
        print("PieceEnds \(pattern), seed \(seed): \(blocks) blocks decided \(ends) piece ends, \(wrong) blocks differ from the scanner")
        #expect(blocks > 20_000 && ends > 200_000 && wrong == 0)
    }

    @Test("the comparison can fail: cl100k's scanner against blocks that cut digits one by one (qwen2's)")
    func plantedDigits() {
        var blocks = 0, wrong = 0
        for index in 0..<500 {
            var random = SplitMix64(seed: 9, index: index)
            let result = Self.compare(CL100kScanner.self, Self.text(&random, parts: 80, nonASCIIOneIn: 40), digits: 1)
            blocks += result.blocks
            wrong += result.wrong
        }
        print("PieceEnds, digits planted one per piece: \(wrong) of \(blocks) blocks differ")
        #expect(blocks > 1_000 && wrong > blocks / 10)
    }

    @Test("the scanners with blocks cut 4,000 long seeded texts where ICU does", arguments: [SplitPattern.cl100k, .qwen2])
    func sameAsICU(pattern: SplitPattern) throws {
        let scanner = try #require(pattern.scanner)
        let icu = try RegexPreTokenizer(pattern)
        for index in 0..<4_000 {
            var random = SplitMix64(seed: 31, index: index)
            let bytes = Self.text(&random, parts: Int.random(in: 20...120, using: &random), nonASCIIOneIn: 40)
            if let mismatch = try SplitComparison.firstMismatch(scanner, icu, on: bytes) {
                Issue.record("\(pattern), text \(index): \(mismatch)")
                return
            }
        }
    }
}
