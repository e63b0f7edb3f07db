import Testing
@testable import TokkitCore

@Suite("A prepared piece: the whole-token probe with the prefix read while hashing finds what a byte lookup finds")
struct PreparedPieceTests {
    @Test("every run of 1 to 12 bytes of mixed text, tokens and not, against the small vocabulary's byte lookup")
    func everyRun() throws {
        let vocabulary = try PairMergeTableTests.vocabulary()
        let text = Array("the theme thermal; привет приветствие 中文中文字 😀😀 aab thermals зз".utf8)
        var merger = BytePairMerger()
        var compared = 0
        var wrong: [[UInt8]] = []
        text.withUnsafeBufferPointer { text in
            vocabulary.withRankLookup(perCall: { lookup in
                for length in 1...12 {
                    for start in 0...(text.count - length) {
                        let piece = UnsafeBufferPointer(rebasing: text[start..<(start + length)])
                        let prepared = merger.prepare(piece, with: lookup)
                        let probed = lookup.rank(piece.baseAddress!, length, hash: prepared.hash, prefix: prepared.prefix)
                        if probed != (vocabulary.rank(of: Array(piece)) ?? .max) { wrong.append(Array(piece)) }
                        compared += 1
                    }
                }
            })
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        #expect(compared > 700)
    }

    @Test("the scanner loops' hashing (PreparedPiece(hashing:)) gives the hash and prefix the rank table is built with, 1 to 40 bytes")
    func hashingEqualsByteHash() {
        var random = SplitMix64(seed: 21)
        // At an odd offset inside a larger buffer: loads are unaligned and nothing past the piece matters.
        let bytes = (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) }
        var wrong: [Int] = []
        bytes.withUnsafeBufferPointer { buffer in
            for count in 1...40 {
                let piece = UnsafeBufferPointer(rebasing: buffer[3..<(3 + count)])
                let prepared = BytePairMerger.PreparedPiece(hashing: piece)
                if prepared.hash != ByteHash.hash(piece.baseAddress!, count: count)
                    || prepared.prefix != ByteHash.prefix(piece.baseAddress!, count: count) { wrong.append(count) }
            }
        }
        #expect(wrong.isEmpty, "lengths \(wrong)")
    }
}
