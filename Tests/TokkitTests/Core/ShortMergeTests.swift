import Testing
import Tokkit
@testable import TokkitCore
import TokkitTestSupport
import TokkitVerification

/// The short-piece merge with the joins' order in AVX2 registers (`tk_merge_short`, CMerge) gives the ids of Swift's
/// `mergeByRescanning` and of tiktoken's rule written the obvious way (`ReferenceBPE`): on every piece of 2 to 32
/// bytes that is no token of the fixtures and of adversarial text, and on random pieces of every length it takes,
/// for each bundled vocabulary; a byte the vocabulary lacks is `nil` both ways; and a wrong table is caught.
@Suite("Short merges: in registers ≡ by rescanning ≡ the reference")
struct ShortMergeTests {
    #if arch(x86_64)
    /// Fails on an x86-64 CPU without AVX2, where the comparisons below could not run the register merge.
    @Test("this machine merges short pieces in AVX2 registers (CI's does), so the comparisons below cover them")
    func accelerated() {
        #expect(BytePairMerger.shortMergesInRegisters)
    }
    #endif

    @Test("every piece of 2–32 bytes that is no token, and random ones of every length: the same ids three ways",
          arguments: ["gpt2", "cl100k_base", "o200k_base", "qwen2", "p50k_base"])
    func sameIDs(name: String) throws {
        let tokenizer = try Loaded.tokenizer(name)
        let pieces = try Self.pieces(tokenizer)
        let mismatches = tokenizer.vocabulary.withRankLookup { Self.mismatches(pieces, tokenizer.vocabulary, $0) }
        print("Short merges \(name): \(pieces.count) pieces of 2–32 bytes, \(mismatches) with other ids")
        #expect(pieces.count > 5_000 && mismatches == 0, "\(mismatches) of \(pieces.count)")
    }

    @Test("the comparison can fail: the register merge (rescanning without AVX2) given another vocabulary's pair table")
    func plantedTable() throws {
        let cl100k = try Loaded.tokenizer("cl100k_base"), o200k = try Loaded.tokenizer("o200k_base")
        let pieces = try Self.pieces(cl100k)
        let mismatches = cl100k.vocabulary.withRankLookup { own in
            o200k.vocabulary.withRankLookup { other in
                let planted = RankLookup(table: own.table, singleByteRank: own.singleByteRank, bytePairRank: own.bytePairRank,
                                         firstRank: own.firstRank, rankLimit: own.rankLimit, serial: own.serial,
                                         pairSlots: other.pairSlots, pairMask: other.pairMask, pairFilter: other.pairFilter,
                                         pairFilterMask: other.pairFilterMask, cutterSets: own.cutterSets)
                return Self.mismatches(pieces, cl100k.vocabulary, planted, only: Self.paths.first!)
            }
        }
        print("Short merges with o200k_base's pair table (planted): \(mismatches) of \(pieces.count) pieces with other ids")
        #expect(mismatches > 0, "\(mismatches) of \(pieces.count)")
    }

    @Test("a byte the vocabulary lacks: nothing both ways; the other pieces merge")
    func unknownByte() throws {
        // Every byte but `z`, with merges, so that the vocabulary has a pair table.
        let bytes = (0...255).filter { $0 != 0x7A }.map { [UInt8($0)] }
        let vocabulary = try Vocabulary(tokens: bytes + ["ab", "abc", "ca", "abca"].map { Array($0.utf8) })
        vocabulary.withRankLookup { lookup in
            #expect(lookup.hasPairMerges)
            for path in Self.paths {
                for text in ["abz", "z" + String(repeating: "ab", count: 15), String(repeating: "ca", count: 15) + "bz"] {
                    Array(text.utf8).withUnsafeBufferPointer { #expect(BytePairMerger.mergeShort($0, with: lookup, path) == nil, "\(path) \(text)") }
                }
                // a b c a b c a b: `ab` (255) merges first at each place, then `abc` (256) twice; `ca` never joins.
                Array("abcabcab".utf8).withUnsafeBufferPointer { #expect(BytePairMerger.mergeShort($0, with: lookup, path) == [256, 256, 255], "\(path)") }
            }
        }
    }

    /// The ways this machine can merge: both where it has AVX2 (every x86-64 CI machine, `accelerated`), else rescanning.
    static let paths: [BytePairMerger.ShortMerge] = BytePairMerger.shortMergesInRegisters ? [.inRegisters, .byRescanning] : [.byRescanning]

    /// The fixtures' pieces that are no token, of 2 to 32 bytes, and 3,000 random ones of 2 to 32 bytes
    /// (`EncoderTests.mixedPiece`, cut to length).
    static func pieces(_ tokenizer: Tokenizer) throws -> [[UInt8]] {
        var pieces = try PieceCutterTests.nonTokenPieces(tokenizer).filter { $0.count <= BytePairMerger.shortMergeLimit }
        var random = SplitMix64(seed: 43)
        for index in 0..<3_000 {
            let target = 2 + index % (BytePairMerger.shortMergeLimit - 1)
            pieces.append(Array(EncoderTests.mixedPiece(atLeast: target, using: &random).prefix(target)))
        }
        return pieces
    }

    /// How many pieces get ids other than `ReferenceBPE`'s through `lookup` (the vocabulary's own, or a planted one),
    /// the way `only` names or every one of `paths`.
    static func mismatches(_ pieces: [[UInt8]], _ vocabulary: Vocabulary, _ lookup: RankLookup,
                           only: BytePairMerger.ShortMerge? = nil) -> Int {
        var mismatches = 0
        for piece in pieces {
            let expected = ReferenceBPE.encode(piece, vocabulary)
            for path in paths where only == nil || only == path {
                let ids = piece.withUnsafeBufferPointer { BytePairMerger.mergeShort($0, with: lookup, path) }
                if ids != expected {
                    mismatches += 1
                    if only == nil && mismatches <= 5 { Issue.record("\(path) \(piece): \(ids ?? []), expected \(expected)") }
                }
            }
        }
        return mismatches
    }
}
