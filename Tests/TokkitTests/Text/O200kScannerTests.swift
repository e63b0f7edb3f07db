import Testing
import TokkitCore
@testable import TokkitText

@Suite("O200kScanner: the ASCII shortcuts end every piece where the pattern's alternatives do")
struct O200kScannerTests {
    /// ASCII word shapes the shortcuts take (capitals, then small letters, contractions, a leading
    /// byte), with the non-ASCII neighbours that send them back to the alternatives: a capital run
    /// that goes on in `É`, a small run in `é`, a mark, a titlecase `ǅ`, a modifier `ʰ`, an `Lo` `中`,
    /// a digit, `ſ` after an apostrophe, no-break space.
    static let parts: [String] = [
        "Hello", "WORLD", "hello", "HelloWORLD", "don't", "DON'T", "'s", "'S", "'ll", "'Re", "x", "A", "I'M",
        " ", "  ", "\n", "\r\n", "\t", "/", ".", ",", "'", "\"", "(", "-", "0", "12", "2026",
        "É", "é", "\u{301}", "ǅ", "ʰ", "中", "ß", "'\u{17F}", "\u{A0}", "Ωμέγα", "ÀB", "Aé", "é",
    ]

    /// How many code-point starts of `bytes` get another end from `endOfPiece` than from
    /// `endOfPieceByAlternatives`.
    static func mismatches(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            ScannedText.with(buffer) { text in
                (0..<text.count).count { i in
                    text.bytes[i] & 0xC0 != 0x80
                        && O200kScanner.endOfPiece(in: text, from: i) != O200kScanner.endOfPieceByAlternatives(in: text, from: i)
                }
            }
        }
    }

    @Test("at every code point of 20,000 seeded strings of word shapes and of random categories")
    func seeded() {
        var random = SplitMix64(seed: 2026)
        var wrong = 0
        for round in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                if round % 4 == 3 {
                    bytes += AdversarialText.shared.string(maxLength: 3, using: &random)
                } else {
                    bytes += Array((Self.parts.randomElement(using: &random) ?? "").utf8)
                }
            }
            wrong += Self.mismatches(bytes)
        }
        #expect(wrong == 0)
    }

    @Test("edges: a word or a lead at the very end, capitals before non-ASCII letters")
    func edges() {
        for text in ["A", "ab", "AB", " a", " A", "'", "x'", "x's", " HELLOé", "HELLOÉ", "Hé", " 'S", "A\u{301}b", "9a", ".\n"] {
            #expect(Self.mismatches(Array(text.utf8)) == 0, "\(text.debugDescription)")
        }
    }
}
