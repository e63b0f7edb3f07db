import Foundation
import Testing
import Tokkit
@testable import TokkitPrep

/// Tokkit's DSIR against the `data-selection` package (PyPI), live on real paragraphs: the
/// log-importance weights within 1e-9, the top-k selection, and the seeded Gumbel-top-k selection.
/// Fails (never skips) when Python, data-selection or the corpus are missing.
@Suite("DSIR parity with the data-selection package", .serialized)
struct DSIRParityTests {
    @Test("weights within 1e-9 and the same selections (top-k, and Gumbel with the same seed) on real text")
    func parity() throws {
        let paragraphs = try CurationTestSet.paragraphs(files: [("public_en.txt", 2 << 20), ("public_multi.txt", 1 << 20)], minWords: 5)
        let raw = Array(paragraphs.prefix(2500))
        let target = Array(paragraphs.suffix(300))  // the multilingual man pages: a distribution unlike most of raw
        let scratch = Scratch()
        func write(_ texts: [String], _ prefix: String, _ name: String) throws -> [String] {
            let ids = texts.indices.map { "\(prefix)\($0)" }
            var out = Data()
            for (id, text) in zip(ids, texts) {
                out.append(try JSONSerialization.data(withJSONObject: ["id": id, "text": text], options: [.sortedKeys]))
                out.append(0x0A)
            }
            try out.write(to: URL(fileURLWithPath: scratch.file(name)))
            return ids
        }
        let rawIDs = try write(raw, "r", "raw.jsonl")
        _ = try write(target, "t", "target.jsonl")
        let k = 300, seed: UInt32 = 5, minLength = 20
        let result = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/dsir_reference.py"),
                                                         "--raw", scratch.file("raw.jsonl"), "--target", scratch.file("target.jsonl"),
                                                         "--work", scratch.file("work"), "--k", "\(k)", "--seed", "\(seed)",
                                                         "--min-length", "\(minLength)", "--output", scratch.file("out.json")])
        guard result.status == 0 else { throw TestSetupError("data-selection failed (pip install data-selection?): \(result.stderr.suffix(2000))") }
        guard let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("out.json")))) as? [String: Any],
              let weights = reference["weights"] as? [Double], let lengths = reference["lengths"] as? [Int],
              let topK = reference["topk"] as? [String], let gumbel = reference["gumbel"] as? [String],
              let version = reference["version"] as? String else {
            throw TestSetupError("unexpected dsir_reference.py output")
        }

        let features = try HashedNGramFeatures()
        var rawCounts = [Int](repeating: 0, count: features.buckets), targetCounts = rawCounts
        for text in raw { features.accumulate(text, into: &rawCounts) }
        for text in target { features.accumulate(text, into: &targetCounts) }
        let selector = try DSIRSelector(features: features, rawCounts: rawCounts, targetCounts: targetCounts)
        let ours = raw.map { selector.weight($0) }
        let worst = zip(ours, weights).map { abs($0.logWeight - $1) }.max() ?? .infinity
        let lengthMismatches = zip(ours, lengths).filter { $0.length != $1 }.count
        print("DSIR vs data-selection \(version): \(raw.count) weights, max |Δ| = \(worst), \(lengthMismatches) length mismatches")
        #expect(ours.count == weights.count)
        #expect(worst <= 1e-9)
        #expect(lengthMismatches == 0)

        let ourTopK = DSIRSelector.select(logWeights: ours.map(\.logWeight), lengths: ours.map(\.length), minLength: minLength,
                                          count: k, selection: .topK).map { rawIDs[$0] }
        let ourGumbel = DSIRSelector.select(logWeights: ours.map(\.logWeight), lengths: ours.map(\.length), minLength: minLength,
                                            count: k, selection: .gumbel(seed: seed)).map { rawIDs[$0] }
        print("  top-\(k): \(Set(ourTopK).intersection(topK).count)/\(k) shared; Gumbel seed \(seed): \(Set(ourGumbel).intersection(gumbel).count)/\(k) shared")
        #expect(ourTopK.sorted() == topK.sorted())
        #expect(ourGumbel.sorted() == gumbel.sorted())
        // The comparison can fail: another seed draws other noise and selects other documents.
        let otherSeed = DSIRSelector.select(logWeights: ours.map(\.logWeight), lengths: ours.map(\.length), minLength: minLength,
                                            count: k, selection: .gumbel(seed: seed + 1)).map { rawIDs[$0] }
        #expect(otherSeed.sorted() != gumbel.sorted())
    }
}
