import Foundation
import Testing
import Tokkit
@testable import TokkitPrep

/// Tokkit's MinHash against the real datatrove (PyPI), run live on real text with planted
/// near-duplicates: signatures value for value, and the removed set of datatrove's four-stage
/// pipeline. Fails (never skips) when Python, datatrove, spaCy or the corpus are missing.
@Suite("MinHash parity with datatrove's four-stage pipeline", .serialized)
struct MinHashParityTests {
    struct DatatroveResult {
        var version: String
        var signatures: [Int: [UInt64]]
        var removed: [Int]
        var clusters: [Int: Int]
    }

    static func runDatatrove(_ set: CurationTestSet, scratch: Scratch) throws -> DatatroveResult {
        let input = scratch.file("docs.jsonl")
        try set.writeJSONL(to: input)
        let output = scratch.file("datatrove.json")
        let result = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/datatrove_minhash.py"),
                                                         "--input", input, "--work", scratch.file("work"), "--output", output])
        guard result.status == 0 else {
            throw TestSetupError("datatrove failed (is `pip install datatrove spacy` done?): \(result.stderr.suffix(2000))")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let signatures = root["signatures"] as? [String: [NSNumber]], let removed = root["removed"] as? [Int],
              let clusters = root["clusters"] as? [String: Int], let version = root["datatrove"] as? String else {
            throw TestSetupError("unexpected datatrove_minhash.py output")
        }
        return DatatroveResult(version: version,
                         signatures: Dictionary(uniqueKeysWithValues: signatures.map { (Int($0.key) ?? -1, $0.value.map(\.uint64Value)) }),
                         removed: removed,
                         clusters: Dictionary(uniqueKeysWithValues: clusters.map { (Int($0.key) ?? -1, $0.value) }))
    }

    /// Every document whose signature differs (or exists on one side only).
    /// The ids a `tokkit prep` pipeline of one stage, `minhash_dedup: {keep: datatrove}`, removes from the test set.
    static func prepRemoved(_ set: CurationTestSet, scratch: Scratch) throws -> Set<String> {
        var jsonl = Data()
        for (id, text) in zip(set.ids, set.texts) {
            jsonl += try JSONSerialization.data(withJSONObject: ["id": id, "text": text])
            jsonl.append(0x0A)
        }
        try jsonl.write(to: URL(fileURLWithPath: scratch.file("prep-in.jsonl")))
        var request = PrepRequest()
        request.configurationPath = "pipeline.yaml"
        request.configurationText = "inputs: [\(scratch.file("prep-in.jsonl"))]\nstages:\n  - minhash_dedup: {keep: datatrove}\n"
        request.output = scratch.file("prep-out")
        request.writeDropped = true
        request.threads = 2
        _ = try request.makePipeline(try request.configuration()).run()
        let reader = try DocumentFileReader(path: scratch.file("prep-out/steps/01-minhash_dedup/removed/00000.jsonl"), format: .jsonl(DocumentAdapter()))
        var removed: Set<String> = []
        while let document = try reader.next() { removed.insert(document.id) }
        return removed
    }

    static func signatureMismatches(_ ours: [[UInt64]?], _ theirs: [Int: [UInt64]]) -> [Int] {
        ours.indices.filter { ours[$0] != theirs[$0] }
    }

    @Test("signatures equal datatrove's MinhashDedupSignature and removed ids equal its pipeline's, on real text with planted near-duplicates")
    func parity() throws {
        let set = try CurationTestSet.build()
        let scratch = Scratch()
        let reference = try Self.runDatatrove(set, scratch: scratch)
        let signer = try MinHashSigner()
        let ours = set.texts.map { signer.signature(of: $0) }
        let mismatches = Self.signatureMismatches(ours, reference.signatures)
        print("MinHash parity vs datatrove \(reference.version): \(set.texts.count - mismatches.count)/\(set.texts.count) documents with equal signatures (\(reference.signatures.count) signed), \(set.plants.count) planted near-duplicates")
        for index in mismatches.prefix(5) {
            print("  signature differs: \(set.ids[index]): words \(SimplifiedText.words(of: set.texts[index]).strings.prefix(40))")
        }
        #expect(mismatches.isEmpty)

        // The comparison can fail: one changed value is one mismatch.
        var planted = ours
        if let index = planted.firstIndex(where: { $0 != nil }) { planted[index]![17] ^= 1 }
        #expect(Self.signatureMismatches(planted, reference.signatures).count == 1)

        // The signatures just checked feed both keep policies (signing again would only repeat the work).
        let flat = ours.flatMap { $0 ?? [UInt64](repeating: 0, count: signer.configuration.hashCount) }
        var firstClusters: MinHashClusters?
        for keep in MinHashDeduplicator.Keep.allCases {
            let dedup = try MinHashDeduplicator(options: .init(keep: keep, memoryBudget: 1 << 20, threads: 2))
            try dedup.append(signatures: flat, signed: ours.map { $0 != nil })
            let clusters = try dedup.finish()
            if keep == .first { firstClusters = clusters }
            let removed = clusters.removed
            print("  keep=\(keep.rawValue): Tokkit removes \(removed.count), datatrove removes \(reference.removed.count); \(dedup.spilledRuns) spilled runs; \(clusters.pairCount) band matches")
            #expect(removed.count == reference.removed.count)
            if keep == .first {
                print("  keep=first keeps a different member than datatrove in \(Set(removed).subtracting(reference.removed).count) clusters")
            }
            if keep == .datatrove {
                #expect(removed == reference.removed, "only Tokkit: \(Set(removed).subtracting(reference.removed).sorted().prefix(10)); only datatrove: \(Set(reference.removed).subtracting(removed).sorted().prefix(10))")
            }
            // Same clusters: two documents share a Tokkit representative iff they share a datatrove cluster id.
            var byCluster: [Int: Set<UInt32>] = [:]
            for (document, cluster) in reference.clusters { byCluster[cluster, default: []].insert(clusters.representative[document]) }
            #expect(byCluster.values.allSatisfy { $0.count == 1 })
            #expect(Set(byCluster.values.map { $0.first! }).count == byCluster.count)
        }

        // The prep-configuration route (`minhash_dedup` in a pipeline) removes the same documents.
        let removedByPrep = try Self.prepRemoved(set, scratch: scratch)
        print("  tokkit prep with minhash_dedup {keep: datatrove}: removes \(removedByPrep.count), \(removedByPrep.intersection(reference.removed.map { set.ids[$0] }).count) in common with datatrove")
        #expect(removedByPrep == Set(reference.removed.map { set.ids[$0] }))

        // The removed-set comparison can fail: another seed's permutations remove other documents.
        let otherSeed = try MinHashDeduplicator(options: .init(configuration: MinHashConfiguration(seed: 2), keep: .datatrove))
        try otherSeed.add(set.texts)
        #expect(try otherSeed.finish().removed != reference.removed)

        // Detection by planted similarity: the S-curve 1 − (1 − s⁸)¹⁴.
        let clusters = try #require(firstClusters)
        let index = Dictionary(set.texts.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var bins: [Int: (found: Int, total: Int)] = [:]
        for plant in set.plants {
            guard let a = index[plant.original], let b = index[plant.copy] else { continue }
            let bin = Int((plant.jaccard * 20).rounded(.down))
            let found = clusters.representative[a] == clusters.representative[b]
            bins[bin, default: (0, 0)].found += found ? 1 : 0
            bins[bin, default: (0, 0)].total += 1
        }
        for bin in bins.keys.sorted() {
            let s = Double(bin) / 20
            print(String(format: "  planted Jaccard %.2f–%.2f: %d/%d clustered (S-curve at %.2f: %.2f)", s, s + 0.05,
                         bins[bin]!.found, bins[bin]!.total, s, MinHashConfiguration.fineWeb.candidateProbability(similarity: s)))
        }
        #expect(bins[20]?.found == bins[20]?.total)  // exact copies always cluster
    }

    @Test("words of simplify_text equal spaCy's tokens on real paragraphs")
    func words() throws {
        let paragraphs = try CurationTestSet.paragraphs(files: [("public_en.txt", 1 << 20), ("public_multi.txt", 1 << 20)], minWords: 1)
        let scratch = Scratch()
        let input = scratch.file("paragraphs.json")
        try JSONSerialization.data(withJSONObject: paragraphs).write(to: URL(fileURLWithPath: input))
        let output = try Reference.python("""
        import json, sys, spacy
        from datatrove.utils.text import simplify_text
        nlp = spacy.blank("en")
        out = [[t.text.strip() for t in nlp(simplify_text(p)) if t.text.strip()] for p in json.load(open(sys.argv[1]))]
        json.dump(out, sys.stdout)
        """, arguments: [input])
        guard let theirs = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String]] else {
            throw TestSetupError("unexpected spaCy output")
        }
        var differing: [Int] = []
        for (index, paragraph) in paragraphs.enumerated() where SimplifiedText.words(of: paragraph).strings != theirs[index] {
            differing.append(index)
        }
        print("simplify_text + spaCy words: \(paragraphs.count - differing.count)/\(paragraphs.count) paragraphs identical")
        for index in differing.prefix(5) {
            let ours = SimplifiedText.words(of: paragraphs[index]).strings
            let firstDiff = zip(ours, theirs[index]).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ours.count, theirs[index].count)
            print("  differs at word \(firstDiff): ours \(ours[firstDiff...].prefix(5)) spaCy \(theirs[index][firstDiff...].prefix(5))")
        }
        #expect(differing.isEmpty)
    }
}
