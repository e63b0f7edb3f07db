import CPieceEnds
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
    /// ends differ. `digits` and `wholeRunAtEnd` are the block's (the scanner's own, unless a test plants others).
    static func compare<S: PieceScanner>(_: S.Type, _ bytes: [UInt8], digits: Int, wholeRunAtEnd: Bool) -> (blocks: Int, ends: Int, wrong: Int) {
        bytes.withUnsafeBufferPointer { buffer in
            ScannedText.with(buffer) { text in
                var blocks = 0, ends = 0, wrong = 0
                var start = 0
                while start < text.count {
                    let block = CL100kScanner.pieceEnds(in: text, from: start, digitsPerPiece: digits, wholeRunAtEnd: wholeRunAtEnd)
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
            let result = pattern == .cl100k ? Self.compare(CL100kScanner.self, bytes, digits: 3, wholeRunAtEnd: true)
                                            : Self.compare(Qwen2Scanner.self, bytes, digits: 1, wholeRunAtEnd: false)
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
            let result = Self.compare(CL100kScanner.self, Self.text(&random, parts: 80, nonASCIIOneIn: 40), digits: 1, wholeRunAtEnd: true)
            blocks += result.blocks
            wrong += result.wrong
        }
        print("PieceEnds, digits planted one per piece: \(wrong) of \(blocks) blocks differ")
        #expect(blocks > 1_000 && wrong > blocks / 10)
    }

    // The class masks come from AVX-512 where the CPU has it, from SSE2 otherwise: the two are held against each other on
    // every block of seeded texts, whatever it starts with, for both patterns' parameters and every length.

    /// Every block of `bytes` (from each byte with 64 readable after it), each length 1...64 and both end rules, with
    /// `digits` on each side; how many blocks decided something and how many differ.
    static func compareMasks(_ bytes: [UInt8], digits: UInt32, otherDigits: UInt32) -> (decided: Int, differ: Int) {
        bytes.withUnsafeBufferPointer { buffer in
            var decided = 0, differ = 0
            for start in 0..<max(0, buffer.count - 63) {
                let at = buffer.baseAddress! + start
                for length in [64, 63, 40, 33, 32, 17, 9, 2, 1] as [UInt32] {
                    for whole in [1, 0] as [Int32] {
                        let sse2 = tk_cl100k_piece_ends_sse2(at, digits, length, whole)
                        if sse2 != 0 { decided += 1 }
                        if tk_cl100k_piece_ends(at, otherDigits, length, whole) != sse2 { differ += 1 }
                    }
                }
            }
            return (decided, differ)
        }
    }

    #if arch(x86_64)
    /// Fails on an x86-64 CPU without AVX-512 BW, where the comparison below would hold SSE2 against itself.
    @Test("this machine builds the masks with AVX-512 (CI's does), so the comparison below covers them")
    func avx512() {
        #expect(tk_piece_ends_avx512() == 1)
    }
    #endif

    @Test("AVX-512's masks give every block the ends SSE2's give, cl100k's and qwen2's rules, every length, 1,000 seeded texts")
    func masksAgree() {
        var decided = 0, differ = 0
        for index in 0..<1_000 {
            var random = SplitMix64(seed: 47, index: index)
            let bytes = Self.text(&random, parts: 60, nonASCIIOneIn: index % 2 == 0 ? 40 : 400)
            for digits in [3, 1] as [UInt32] {
                let result = Self.compareMasks(bytes, digits: digits, otherDigits: digits)
                decided += result.decided
                differ += result.differ
            }
        }
        print("PieceEnds masks (AVX-512: \(tk_piece_ends_avx512() == 1)): \(decided) blocks decided, \(differ) differ from SSE2's")
        #expect(decided > 100_000 && differ == 0)
    }

    @Test("the mask comparison can fail: SSE2 with cl100k's digits against the other side with qwen2's")
    func plantedMaskDigits() {
        var decided = 0, differ = 0
        for index in 0..<100 {
            var random = SplitMix64(seed: 48, index: index)
            let result = Self.compareMasks(Self.text(&random, parts: 60, nonASCIIOneIn: 400), digits: 3, otherDigits: 1)
            decided += result.decided
            differ += result.differ
        }
        print("PieceEnds masks, digits planted: \(differ) of \(decided) decided blocks differ")
        #expect(decided > 10_000 && differ > decided / 20)
    }

    // A batch's documents lie back to back in one buffer (`bytes`, cut at `boundaries`): a block from a piece start near a
    // document's end reaches into the next documents, is told where the document ends, and then cuts to that end.

    /// Each document of `bytes` cut by the scanner's own rules alone, piece by piece (no block), in a buffer of its own.
    static func walkedPieces<S: PieceScanner>(_: S.Type, _ bytes: [UInt8], _ boundaries: [Int]) -> [[Range<Int>]] {
        (0..<(boundaries.count - 1)).map { document in
            Array(bytes[boundaries[document]..<boundaries[document + 1]]).withUnsafeBufferPointer { buffer in
                ScannedText.with(buffer) { text in
                    var ranges: [Range<Int>] = [], start = 0
                    while start < text.count {
                        let end = S.endOfPiece(in: text, from: start)
                        ranges.append(start..<end)
                        start = end
                    }
                    return ranges
                }
            }
        }
    }

    /// Each document of `bytes` as a view of the one buffer, through the one piece loop (`scanPieces`) that encoding
    /// uses; and how many pieces a block that reached its document's end cut.
    static func viewedPieces<S: PieceScanner>(_: S.Type, _ bytes: [UInt8], _ boundaries: [Int]) -> (pieces: [[Range<Int>]], toEnd: Int) {
        bytes.withUnsafeBufferPointer { buffer in
            ScannedText.with(buffer) { whole in
                var pieces: [[Range<Int>]] = [], toEnd = 0
                for document in 0..<(boundaries.count - 1) {
                    let view = whole.view(boundaries[document]..<boundaries[document + 1])
                    var ranges: [Range<Int>] = []
                    _ = S.scanPieces(view) { start, end in
                        // (A planted flaw may cut pieces past the document's end: `left` is then not positive.)
                        let left = view.count - start
                        if 0 < left, left < 64, S.pieceEnds(in: view, from: start) >> UInt64(left) & 1 == 1 { toEnd += 1 }
                        ranges.append(start..<end)
                        return true
                    }
                    pieces.append(ranges)
                }
                return (pieces, toEnd)
            }
        }
    }

    /// cl100k's scanner whose blocks are told that every document goes on for 64 bytes (a planted flaw).
    struct ToldSixtyFour: PieceScanner {
        static func endOfPiece(in text: ScannedText, from i: Int) -> Int { CL100kScanner.endOfPiece(in: text, from: i) }
        static func pieceEnds(in text: ScannedText, from i: Int) -> UInt64 {
            i + 64 <= text.readable ? tk_cl100k_piece_ends(text.bytes + i, 3, 64, 1) : 0
        }
    }

    /// cl100k's scanner whose blocks cut a document's end by qwen2's rule (a planted flaw).
    struct QwenEndRule: PieceScanner {
        static func endOfPiece(in text: ScannedText, from i: Int) -> Int { CL100kScanner.endOfPiece(in: text, from: i) }
        static func pieceEnds(in text: ScannedText, from i: Int) -> UInt64 {
            CL100kScanner.pieceEnds(in: text, from: i, digitsPerPiece: 3, wholeRunAtEnd: false)
        }
    }

    /// Seeded texts cut into documents of 1 to 150 bytes, some empty (at code point boundaries, one in three after a
    /// whitespace run, where the end of a text changes the whitespace rules): a batch's documents, back to back.
    static func documents(seed: UInt64, count: Int) -> [(bytes: [UInt8], boundaries: [Int])] {
        (0..<count).map { index in
            var random = SplitMix64(seed: seed, index: index)
            let bytes = text(&random, parts: 100, nonASCIIOneIn: 40)
            var boundaries = [0]
            while boundaries.last! < bytes.count {
                var next = min(bytes.count, boundaries.last! + Int.random(in: 1...150, using: &random))
                if Int.random(in: 0..<3, using: &random) == 0 {
                    // Through the next whitespace run's end, `\n` followed by spaces among them.
                    let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
                    while next < bytes.count && !whitespace.contains(bytes[next]) { next += 1 }
                    while next < bytes.count && whitespace.contains(bytes[next]) { next += 1 }
                }
                while next < bytes.count && bytes[next] & 0xC0 == 0x80 { next += 1 }
                if Int.random(in: 0..<20, using: &random) == 0 { boundaries.append(boundaries.last!) }
                boundaries.append(next)
            }
            return (bytes, boundaries)
        }
    }

    @Test("documents back to back in one buffer, blocks cutting each to its end, are cut as each document alone",
          arguments: [SplitPattern.cl100k, .qwen2])
    func documentsAsViews(pattern: SplitPattern) throws {
        var toEnd = 0, documents = 0, differ = 0
        for (bytes, boundaries) in Self.documents(seed: 41, count: 2_000) {
            let (viewed, ended) = pattern == .cl100k ? Self.viewedPieces(CL100kScanner.self, bytes, boundaries)
                                                     : Self.viewedPieces(Qwen2Scanner.self, bytes, boundaries)
            let walked = pattern == .cl100k ? Self.walkedPieces(CL100kScanner.self, bytes, boundaries)
                                            : Self.walkedPieces(Qwen2Scanner.self, bytes, boundaries)
            differ += zip(viewed, walked).count { $0 != $1 }
            toEnd += ended
            documents += boundaries.count - 1
        }
        print("PieceEnds \(pattern), \(documents) documents as views: \(toEnd) pieces cut by a block that reached its document's end, \(differ) documents differ")
        #expect(differ == 0 && toEnd > documents / 2)
    }

    @Test("the comparison can fail: blocks told that a document goes on past its end, or given the other end rule",
          arguments: ["64 bytes", "qwen2's end rule"])
    func plantedEnd(flaw: String) throws {
        var differ = 0, documents = 0
        for (bytes, boundaries) in Self.documents(seed: 43, count: 300) {
            let planted = flaw == "64 bytes" ? Self.viewedPieces(ToldSixtyFour.self, bytes, boundaries).pieces
                                             : Self.viewedPieces(QwenEndRule.self, bytes, boundaries).pieces
            differ += zip(planted, Self.walkedPieces(CL100kScanner.self, bytes, boundaries)).count { $0 != $1 }
            documents += boundaries.count - 1
        }
        print("PieceEnds, planted \(flaw): \(differ) of \(documents) documents differ")
        #expect(differ > documents / 50)
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
