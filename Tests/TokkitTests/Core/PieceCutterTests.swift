import Foundation
import Testing
import Tokkit
@testable import TokkitCore
import TokkitTestSupport
import TokkitVerification

/// `PieceCutter` in the merger: a piece merged in the stretches between its cuts gets the ids of the piece merged
/// whole, on every piece that is no token of the fixtures (every script) and of adversarial text, for each bundled
/// vocabulary; each of the cutter's three sets is needed (left empty, some piece is cut where a token reaches across
/// and its ids differ); and a token that the merges never make is merged, not taken whole, inside a piece.
@Suite("Cutting pieces ≡ merging them whole")
struct PieceCutterTests {
    @Test("every piece that is no token: the same ids cut as whole", arguments: ["cl100k_base", "o200k_base", "gpt2", "qwen2"])
    func sameIDs(name: String) throws {
        let tokenizer = try Loaded.tokenizer(name)
        let (checked, cut, mismatches) = try Self.compare(tokenizer, BytePairMerger(cutting: .always))
        print("PieceCutter \(name): \(checked) pieces that are no token, \(cut) cut, \(mismatches) with other ids")
        #expect(checked > 2_000 && cut > 500 && mismatches == 0, "\(mismatches) of \(checked) pieces (\(cut) cut) differ")
    }

    @Test("the comparison can fail: a cutter without one of its sets cuts where tokens reach across", arguments: PieceCutter.Keys.allCases)
    func plantedOmission(keys: PieceCutter.Keys) throws {
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        let (checked, _, mismatches) = try Self.compare(tokenizer, BytePairMerger(cutting: .omitting(keys)), reporting: false)
        print("PieceCutter without its \(keys) set (planted): \(mismatches) of \(checked) pieces with other ids")
        #expect(mismatches > 0, "\(mismatches) of \(checked)")
    }

    @Test("a token the merges never make is merged inside a piece, as the whole piece is")
    func unreachableToken() throws {
        let bytes = (0..<256).map { [UInt8($0)] }
        let piece = Array("abcД".utf8)
        // "abc" without "ab" or "bc": merging a, b, c never makes it. The piece cuts before "Д" (no token reaches
        // across), so its first stretch is "abc", a token, yet merging gives a, b, c.
        let unreachable = try Vocabulary(tokens: bytes + [Array("abc".utf8)])
        #expect(Self.encode(piece, unreachable, cutting: true) == [97, 98, 99, 0xD0, 0x94])
        #expect(Self.encode(piece, unreachable, cutting: false) == [97, 98, 99, 0xD0, 0x94])
        // With "ab" the merges make "abc" (rank 257), and the stretch is taken whole.
        let reachable = try Vocabulary(tokens: bytes + [Array("ab".utf8), Array("abc".utf8)])
        #expect(Self.encode(piece, reachable, cutting: true) == [257, 0xD0, 0x94])
        #expect(Self.encode(piece, reachable, cutting: false) == [257, 0xD0, 0x94])
        // The piece is cut there: the cutter finds the boundary before "Д" and none inside "abc".
        let cuts = unreachable.withRankLookup { lookup in
            PieceCutter(lookup).withCuts(lookup) { cuts in
                piece.withUnsafeBufferPointer { [cuts.next(after: 0, in: $0.baseAddress!, count: $0.count)] }
            }
        }
        #expect(cuts == [3])
    }

    static func encode(_ piece: [UInt8], _ vocabulary: Vocabulary, cutting: Bool) -> [TokenID] {
        var merger = BytePairMerger(cutting: cutting ? .always : .never)
        var ids: [TokenID] = []
        piece.withUnsafeBufferPointer { _ = merger.encode($0, with: vocabulary, into: &ids) }
        return ids
    }

    /// Every distinct piece that is no token, encoded by `cutting` and by a merger that never cuts; how many were
    /// checked, how many the cutter cuts, how many differ.
    static func compare(_ tokenizer: Tokenizer, _ cutting: BytePairMerger, reporting: Bool = true) throws -> (checked: Int, cut: Int, mismatches: Int) {
        var cutting = cutting, whole = BytePairMerger(cutting: .never)
        let vocabulary = tokenizer.vocabulary
        let cutter = vocabulary.withRankLookup { PieceCutter($0) }
        var checked = 0, cut = 0, mismatches = 0
        for piece in try nonTokenPieces(tokenizer) {
            var cutIDs: [TokenID] = [], wholeIDs: [TokenID] = []
            let isCut = piece.withUnsafeBufferPointer { buffer in
                _ = cutting.encode(buffer, with: vocabulary, into: &cutIDs)
                _ = whole.encode(buffer, with: vocabulary, into: &wholeIDs)
                // Where the vocabulary's own sets cut (from the rank-table cache, for a bundled vocabulary) and where
                // sets built here from its tokens do: the same.
                return vocabulary.withRankLookup { lookup in
                    (lookup.cuts.next(after: 0, in: buffer.baseAddress!, count: buffer.count),
                     cutter.withCuts(lookup) { $0.next(after: 0, in: buffer.baseAddress!, count: buffer.count) })
                }
            }
            checked += 1
            if isCut.0 < piece.count { cut += 1 }
            if isCut.0 != isCut.1 {
                mismatches += 1
                if reporting && mismatches <= 5 { Issue.record("\(piece): the vocabulary's sets cut at \(isCut.0), built ones at \(isCut.1)") }
            }
            if cutIDs != wholeIDs {
                mismatches += 1
                if reporting && mismatches <= 5 { Issue.record("\(piece): whole \(wholeIDs), cut \(cutIDs)") }
            }
        }
        return (checked, cut, mismatches)
    }

    /// Every distinct piece of two bytes or more that is no token of `tokenizer`'s vocabulary, as its pattern splits the
    /// fixtures (every script) and adversarial text: the pieces that are merged.
    static func nonTokenPieces(_ tokenizer: Tokenizer) throws -> [[UInt8]] {
        var texts: [[UInt8]] = []
        let fixtures = Repository.path("fixtures")
        for file in try FileManager.default.contentsOfDirectory(atPath: fixtures).sorted() where file.hasSuffix(".txt") {
            texts.append(Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + file))))
        }
        var random = SplitMix64(seed: 35)
        for _ in 0..<300 { texts.append(AdversarialText.shared.string(maxLength: 300, using: &random)) }
        var seen = Set<[UInt8]>(), pieces: [[UInt8]] = []
        for text in texts {
            guard String(validating: text, as: UTF8.self) != nil else { continue }
            for range in try tokenizer.preTokenizer.pieces(of: text) {
                let piece = Array(text[range])
                guard piece.count > 1, tokenizer.vocabulary.rank(of: piece) == nil, seen.insert(piece).inserted else { continue }
                pieces.append(piece)
            }
        }
        return pieces
    }
}
