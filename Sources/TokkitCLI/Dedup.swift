import ArgumentParser
import Foundation
import Tokkit

struct Dedup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Remove duplicate documents: exact (normalized text) or near-duplicates (MinHash LSH, datatrove's).",
        subcommands: [MinHash.self, Exact.self, Lines.self]
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
        @OptionGroup var resumption: ResumeOptions

        @Option(name: .long, parsing: .unconditional, help: "Jaccard threshold: choose bands × rows as datasketch does (instead of --buckets/--rows).")
        var threshold: Double?

        @Option(name: .long, parsing: .unconditional, help: "Hashes for --threshold (datasketch's num_perm).")
        var permutations = 112

        @Option(name: .long, parsing: .unconditional, help: "Bands (datatrove num_buckets).")
        var buckets = 14

        @Option(name: .long, parsing: .unconditional, help: "Rows per band (datatrove hashes_per_bucket).")
        var rows = 8

        @Option(name: .long, parsing: .unconditional, help: "Words per shingle.")
        var ngram = 5

        @Option(name: .long, help: "Permutation seed (numpy RandomState).")
        var seed: UInt32 = 1

        @Option(name: .long, help: "Which document a cluster keeps: the first in input order, or the one datatrove's union-find keeps.")
        var keep: MinHashDeduplicator.Keep = .first

        @Option(name: .customLong("memory-mb"), parsing: .unconditional, help: "Signature memory before spilling sorted runs to disk.")
        var memoryMB = 1024

        @Option(name: .long, help: "Scratch directory for spilled runs (default: a temporary directory).")
        var scratch: String?

        @Option(name: .long, help: "The clusters file (default <output>/clusters.tsv).")
        var clusters: String?

        func validate() throws {
            if let threshold, !(threshold > 0 && threshold <= 1) { throw ValidationError("--threshold must be in (0, 1], not \(threshold)") }
            for (name, value) in [("--permutations", permutations), ("--buckets", buckets), ("--rows", rows), ("--ngram", ngram), ("--memory-mb", memoryMB)] where value < 1 {
                throw ValidationError("\(name) must be at least 1, not \(value)")
            }
        }

        func run() throws {
            let configuration = try threshold.map {
                try MinHashConfiguration(threshold: $0, permutations: permutations, shingleWords: ngram, seed: seed)
            } ?? MinHashConfiguration(shingleWords: ngram, buckets: buckets, rowsPerBucket: rows, seed: seed)
            var run = MinHashRun(input: try input.corpus(),
                                 options: .init(configuration: configuration, keep: keep, memoryBudget: max(1, memoryMB) << 20,
                                                scratchDirectory: scratch, threads: workers.threads),
                                 outputDirectory: try destination.directory())
            run.clustersPath = clusters
            let summary = try destination.run(run, resume: resumption.resume)
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
        @OptionGroup var resumption: ResumeOptions

        @Option(name: .long, help: "Normalization before hashing (simplified: datatrove's simplify_text).")
        var normalize: ExactDeduplicator.Normalization = .none

        @Option(name: .long, parsing: .upToNextOption, help: "Reference dataset A: remove from the inputs what occurs in it.")
        var against: [String] = []

        func run() throws {
            var run = ExactDedupRun(input: try input.corpus(), normalization: normalize, outputDirectory: try destination.directory())
            if !against.isEmpty { run.reference = try input.corpus(against) }
            run.threads = workers.threads
            let summary = try destination.run(run, resume: resumption.resume)
            if let reference = run.reference { try InputOptions.reportSkippedLines(reference.skippedLines) }
            try workers.summary("exact (\(normalize.rawValue)): \(summary.documents) documents, \(summary.removed) removed"
                + (against.isEmpty ? "" : " (\(summary.matchedReference) found in the \(summary.referenceDocuments) reference documents)")
                + String(format: ", %.2f s", summary.seconds))
        }
    }

    struct Lines: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lines",
            abstract: "Remove repeated spans of lines across a corpus (datatrove's sentence dedup on lines, C4's rule).",
            discussion: """
            Every window of --span-lines consecutive lines is keyed by the hash of its simplify_text lines; a window seen \
            earlier in the corpus removes its lines from the later document, and a changed document is dropped when fewer \
            than --min-doc-words words or --min-sentences sentences remain: datatrove's SentenceDedupSignature, \
            SentenceFindDedups and SentenceDedupFilter with split_sentences=False and one task. Keys are --precision-bit \
            hashes: the chance of any false match among N distinct spans is at most N²/2^(p+1); --false-positive-rate \
            with --expected-spans picks the precision. --split sentences makes spans of sentences (spaCy's sentencizer on \
            blank("en") tokens) instead of lines: datatrove's default, split_sentences=True.
            """
        )

        @OptionGroup var input: InputOptions
        @OptionGroup var destination: DocumentOutputOptions
        @OptionGroup var workers: RunOptions
        @OptionGroup var resumption: ResumeOptions

        @Option(name: .customLong("span-lines"), parsing: .unconditional, help: "Lines (or sentences) per span (datatrove n_sentences).")
        var spanLines = 3

        @Option(name: .long, help: "Spans of lines, or of sentences (spaCy's sentencizer; datatrove's split_sentences=True).")
        var split: LineDedupConfiguration.Split = .lines

        @Option(name: .customLong("min-doc-words"), parsing: .unconditional, help: "Words a changed document must keep (0: no minimum).")
        var minDocWords = 50

        @Option(name: .customLong("min-sentences"), parsing: .unconditional, help: "Sentences a changed document must keep (0: no minimum).")
        var minSentences = 3

        @Option(name: .customLong("min-words-to-remove-span"), parsing: .unconditional, help: "Removed runs whose first line has fewer words are kept.")
        var minWordsToRemoveSpan = 0

        @Option(name: .long, help: "Key hash.")
        var hash: LineDedupConfiguration.HashFunction = .xxhash

        @Option(name: .long, parsing: .unconditional, help: "Key bits: 32 or 64 (default 64).")
        var precision: Int?

        @Option(name: .customLong("false-positive-rate"), parsing: .unconditional, help: "Largest acceptable chance of any false match (chooses --precision).")
        var falsePositiveRate: Double?

        @Option(name: .customLong("expected-spans"), parsing: .unconditional, help: "Distinct spans expected, for --false-positive-rate.")
        var expectedSpans: Double?

        func validate() throws {
            if spanLines < 1 { throw ValidationError("--span-lines must be at least 1, not \(spanLines)") }
            for (name, value) in [("--min-doc-words", minDocWords), ("--min-sentences", minSentences), ("--min-words-to-remove-span", minWordsToRemoveSpan)] where value < 0 {
                throw ValidationError("\(name) must be at least 0, not \(value)")
            }
            if let precision, precision != 32 && precision != 64 { throw ValidationError("--precision must be 32 or 64, not \(precision)") }
            if let falsePositiveRate, !(falsePositiveRate > 0 && falsePositiveRate < 1) { throw ValidationError("--false-positive-rate must be in (0, 1), not \(falsePositiveRate)") }
            if let expectedSpans, !(expectedSpans >= 1 && expectedSpans.isFinite) { throw ValidationError("--expected-spans must be at least 1, not \(expectedSpans)") }
        }

        func run() throws {
            var bits = precision ?? 64
            if let falsePositiveRate {
                guard precision == nil else { throw ValidationError("give --precision or --false-positive-rate, not both") }
                guard let expectedSpans else { throw ValidationError("--false-positive-rate needs --expected-spans") }
                bits = try LineDedupConfiguration.precision(falsePositiveRate: falsePositiveRate, expectedSpans: expectedSpans)
            }
            var run = LineDedupRun(input: try input.corpus(),
                                   configuration: .init(spanLines: spanLines, minDocumentWords: minDocWords, minSentences: minSentences,
                                                        minWordsToRemoveSpan: minWordsToRemoveSpan, hash: hash, precision: bits),
                                   outputDirectory: try destination.directory())
            run.configuration.split = split
            run.threads = workers.threads
            let s = try destination.run(run, resume: resumption.resume)
            try workers.summary("lines (\(spanLines)-line spans, \(hash.rawValue) \(bits)-bit): \(s.documents) documents, "
                + "\(s.duplicateSpans) of \(s.spans) spans repeated, \(s.changed) documents changed, \(s.removed) removed"
                + (s.skippedFiles > 0 ? ", \(s.skippedFiles) inputs already complete" : "") + String(format: ", %.2f s", s.seconds))
        }
    }
}

extension MinHashDeduplicator.Keep: ArgumentChoice {}
extension LineDedupConfiguration.HashFunction: ArgumentChoice {}
extension LineDedupConfiguration.Split: ArgumentChoice {}
extension ExactDeduplicator.Normalization: ArgumentChoice {}
