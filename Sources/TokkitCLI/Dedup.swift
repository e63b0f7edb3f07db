import ArgumentParser
import Foundation
import Tokkit

struct Dedup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove duplicate documents: exact (normalized text) or near-duplicates (MinHash LSH, datatrove's).",
        subcommands: [MinHash.self, Exact.self]
    )

    struct MinHash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "minhash",
            abstract: "Near-duplicate removal with datatrove's MinHash (5-word shingles, sha1, 14 × 8, seed 1 by default).",
            discussion: """
            Signatures equal datatrove's MinhashDedupSignature (FineWeb's sha1 64-bit configuration) value for value. \
            --keep first keeps the first document of each cluster (input order); --keep datatrove keeps the document \
            datatrove's union-find keeps, so the removed set equals datatrove's four-stage pipeline. \
            <output>/clusters.tsv lists id, representative and cluster size of every clustered document. \
            Memory: signatures beyond --memory-mb are sorted and spilled to --scratch.
            """
        )

        @OptionGroup var input: InputOptions
        @OptionGroup var destination: DocumentOutputOptions
        @OptionGroup var workers: RunOptions

        @Option(name: .long, help: "Jaccard threshold: choose bands × rows as datasketch does (instead of --buckets/--rows).")
        var threshold: Double?

        @Option(name: .long, help: "Hashes for --threshold (datasketch's num_perm).")
        var permutations = 112

        @Option(name: .long, help: "Bands (datatrove num_buckets).")
        var buckets = 14

        @Option(name: .long, help: "Rows per band (datatrove hashes_per_bucket).")
        var rows = 8

        @Option(name: .long, help: "Words per shingle.")
        var ngram = 5

        @Option(name: .long, help: "Permutation seed (numpy RandomState).")
        var seed: UInt32 = 1

        @Option(name: .long, help: "Which document a cluster keeps: the first in input order, or the one datatrove's union-find keeps.")
        var keep: MinHashDeduplicator.Keep = .first

        @Option(name: .customLong("memory-mb"), help: "Signature memory before spilling sorted runs to disk.")
        var memoryMB = 1024

        @Option(name: .long, help: "Scratch directory for spilled runs (default: a temporary directory).")
        var scratch: String?

        @Option(name: .long, help: "The clusters file (default <output>/clusters.tsv).")
        var clusters: String?

        func run() throws {
            let configuration = try threshold.map {
                try MinHashConfiguration(threshold: $0, permutations: permutations, shingleWords: ngram, seed: seed)
            } ?? MinHashConfiguration(shingleWords: ngram, buckets: buckets, rowsPerBucket: rows, seed: seed)
            var run = MinHashRun(input: try input.corpus(),
                                 options: .init(configuration: configuration, keep: keep, memoryBudget: max(1, memoryMB) << 20,
                                                scratchDirectory: scratch, threads: workers.threads),
                                 outputDirectory: try destination.directory())
            run.compression = destination.outputCompression()
            run.writeRemoved = destination.removed
            run.clustersPath = clusters
            let summary = try run.run()
            try InputOptions.reportSkippedLines(run.input.skippedLines)
            try workers.summary("minhash \(configuration.buckets)×\(configuration.rowsPerBucket), \(configuration.shingleWords)-grams, keep=\(keep.rawValue): "
                + "\(summary.documents) documents (\(summary.signed) with shingles), \(summary.removed) removed in \(summary.clusters) clusters, "
                + "\(summary.bandMatches) band matches, \(summary.spilledRuns) spilled runs, "
                + String(format: "%.2f s (%.0f docs/s)", summary.seconds, Double(summary.documents) / max(summary.seconds, 1e-9)))
        }
    }

    struct Exact: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exact",
            abstract: "Remove documents whose normalized text occurred before (first seen is kept).",
            discussion: """
            --against A… removes from the inputs (B) every document whose text is in A; A is not written. \
            <output>/matches.tsv lists each removed id, the id it matched and the side of that id (A or B).
            """
        )

        @OptionGroup var input: InputOptions
        @OptionGroup var destination: DocumentOutputOptions
        @OptionGroup var workers: RunOptions

        @Option(name: .long, help: "Normalization before hashing (simplified: datatrove's simplify_text).")
        var normalize: ExactDeduplicator.Normalization = .none

        @Option(name: .long, parsing: .upToNextOption, help: "Reference dataset A: remove from the inputs what occurs in it.")
        var against: [String] = []

        func run() throws {
            var run = ExactDedupRun(input: try input.corpus(), normalization: normalize, outputDirectory: try destination.directory())
            if !against.isEmpty { run.reference = try input.corpus(against) }
            run.compression = destination.outputCompression()
            run.writeRemoved = destination.removed
            run.threads = workers.threads
            let summary = try run.run()
            try InputOptions.reportSkippedLines(run.input.skippedLines)
            if let reference = run.reference { try InputOptions.reportSkippedLines(reference.skippedLines) }
            try workers.summary("exact (\(normalize.rawValue)): \(summary.documents) documents, \(summary.removed) removed"
                + (against.isEmpty ? "" : " (\(summary.matchedReference) found in the \(summary.referenceDocuments) reference documents)")
                + String(format: ", %.2f s", summary.seconds))
        }
    }
}

extension MinHashDeduplicator.Keep: ExpressibleByArgument {}
extension ExactDeduplicator.Normalization: ExpressibleByArgument {}
