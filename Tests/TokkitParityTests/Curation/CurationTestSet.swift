import Foundation
import TokkitCore
import TokkitIO
@testable import TokkitPrep

/// Documents for the curation parity tests: real paragraphs from the public corpus plus planted
/// near-duplicates — edited copies at measured Jaccard similarities of their 5-word shingle sets —
/// inserted at seeded positions, so the expected clusters are known and a wrong implementation fails.
struct CurationTestSet {
    struct Plant {
        var original: String
        var copy: String
        var jaccard: Double
    }

    var ids: [String]
    var texts: [String]
    var plants: [Plant]

    /// Paragraphs (blank-line separated) of at least `minWords` words from the corpus files.
    static func paragraphs(files: [(String, Int)], minWords: Int = 30) throws -> [String] {
        var out: [String] = []
        for (name, limit) in files {
            let bytes = try Repository.corpusPrefix(name, bytes: limit)
            let text = String(decoding: bytes, as: UTF8.self)
            for paragraph in text.components(separatedBy: "\n\n") {
                let trimmed = paragraph.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.split(whereSeparator: \.isWhitespace).count >= minWords { out.append(trimmed) }
            }
        }
        return out
    }

    static func build(baseCount: Int = 2400, plantedBases: Int = 260, seed: UInt64 = 12) throws -> CurationTestSet {
        let all = try paragraphs(files: [("public_en.txt", 6 << 20), ("public_multi.txt", 2 << 20)])
        guard all.count >= baseCount + 100 else { throw TestSetupError("corpus too small: \(all.count) paragraphs") }
        var random = SplitMix64(seed: seed)
        // English first, then the multilingual paragraphs, interleaved deterministically.
        let stride = all.count / baseCount
        var base = (0..<baseCount).map { all[$0 * stride] }
        let donors = (0..<100).map { all[$0 * stride + 1] }.flatMap { $0.split(separator: " ").map(String.init) }
        let signer = try MinHashSigner()
        let targets: [Double] = [1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5]
        var plants: [Plant] = []
        var copies: [String] = []
        for plant in 0..<plantedBases {
            let original = base[(plant * 7919) % baseCount]
            let target = targets[plant % targets.count]
            let copyCount = plant % 4 == 3 ? 3 : 1  // some clusters of four documents
            for _ in 0..<copyCount {
                let (copy, jaccard) = edit(original, towards: target, donors: donors, signer: signer, random: &random)
                plants.append(Plant(original: original, copy: copy, jaccard: jaccard))
                copies.append(copy)
            }
        }
        for copy in copies {
            base.insert(copy, at: Int(random.next() % UInt64(base.count + 1)))
        }
        return CurationTestSet(ids: base.indices.map { String(format: "doc-%05d", $0) }, texts: base, plants: plants)
    }

    /// Replaces random words of `text` with donor words until the shingle-set Jaccard drops to `target`.
    static func edit(_ text: String, towards target: Double, donors: [String], signer: MinHashSigner,
                     random: inout SplitMix64) -> (String, Double) {
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let original = Set(signer.shingleHashes(of: text))
        var jaccard = 1.0
        var copy = text
        // Replacing k scattered words removes about 5k of N shingles and adds 5k: J ≈ (N − 5k)/(N + 5k).
        // Start just below that estimate, then replace one word at a time until J ≤ target.
        let n = Double(original.count)
        var batch = max(0, Int((n * (1 - target) / (5 * (1 + target))).rounded(.down)) - 1)
        while jaccard > target, !words.isEmpty {
            for _ in 0..<max(1, batch) {
                words[Int(random.next() % UInt64(words.count))] = donors[Int(random.next() % UInt64(donors.count))]
            }
            batch = 1
            copy = words.joined(separator: " ")
            let edited = Set(signer.shingleHashes(of: copy))
            jaccard = Double(original.intersection(edited).count) / Double(max(1, original.union(edited).count))
        }
        return (copy, jaccard)
    }

    func writeJSONL(to path: String) throws {
        var out = Data()
        for (id, text) in zip(ids, texts) {
            out.append(try JSONSerialization.data(withJSONObject: ["id": id, "text": text], options: [.sortedKeys]))
            out.append(0x0A)
        }
        try out.write(to: URL(fileURLWithPath: path))
    }
}
