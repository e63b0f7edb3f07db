import Foundation
import Testing
import Tokkit
@testable import TokkitCore
import TokkitTestSupport
import TokkitVerification

/// The backtracking encoder (work in progress, branch bt35) against the merger, piece by piece: the fixtures in every
/// script and adversarial text, split by each vocabulary's pattern; every piece that is no token encoded both ways.
@Suite("Backtracking encoder ≡ the merger")
struct BacktrackingEncoderTests {
    @Test("every piece that is no token: the same ids as BytePairMerger", arguments: ["cl100k_base", "o200k_base", "gpt2"])
    func sameAsMerger(name: String) throws {
        let tokenizer = try Loaded.tokenizer(name)
        let tables = BacktrackingTables(tokenizer.vocabulary)
        #expect(tables.inconsistentTokens == 0)
        let (checked, mismatches) = try Self.compare(tokenizer, tables)
        #expect(checked > 1_000 && mismatches == 0, "\(mismatches) of \(checked)")
    }

    @Test("the comparison can fail: without the pair check (greedy longest match) some pieces differ")
    func plantedGreedy() throws {
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        var tables = BacktrackingTables(tokenizer.vocabulary)
        tables.split = tables.split.indices.map { UInt64($0) << 32 | UInt64($0) }
        let (checked, mismatches) = try Self.compare(tokenizer, tables, reporting: false)
        #expect(mismatches > 100, "\(mismatches) of \(checked)")
    }

    static func compare(_ tokenizer: Tokenizer, _ tables: BacktrackingTables, reporting: Bool = true) throws -> (checked: Int, mismatches: Int) {
        var texts: [[UInt8]] = []
        let fixtures = Repository.path("fixtures")
        for file in try FileManager.default.contentsOfDirectory(atPath: fixtures).sorted() where file.hasSuffix(".txt") {
            texts.append(Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + file))))
        }
        var random = SplitMix64(seed: 34)
        for _ in 0..<200 { texts.append(AdversarialText.shared.string(maxLength: 200, using: &random)) }
        var merger = BytePairMerger()
        var seen = Set<[UInt8]>(), checked = 0, mismatches = 0
        for text in texts {
            guard String(validating: text, as: UTF8.self) != nil else { continue }
            for range in try tokenizer.preTokenizer.pieces(of: text) {
                let piece = Array(text[range])
                guard piece.count > 1, piece.count < BytePairMerger.heapThreshold, tokenizer.vocabulary.rank(of: piece) == nil, seen.insert(piece).inserted else { continue }
                var merged: [TokenID] = []
                let backtracked = piece.withUnsafeBufferPointer { buffer -> [TokenID]? in
                    merger.encode(buffer, with: tokenizer.vocabulary, into: &merged)
                    return tables.encode(buffer, tokenizer.vocabulary)
                }
                checked += 1
                if backtracked != merged {
                    mismatches += 1
                    if reporting && mismatches <= 5 { Issue.record("\(piece): merger \(merged), backtracking \(String(describing: backtracked))") }
                }
            }
        }
        return (checked, mismatches)
    }
}
