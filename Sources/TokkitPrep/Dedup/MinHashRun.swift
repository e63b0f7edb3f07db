import Foundation
import TokkitCorpus

/// `tokkit dedup minhash`: MinHash de-duplication of a corpus, datatrove's four stages in two reads.
///
/// Read 1 signs every document (in parallel) into a ``MinHashDeduplicator``; then the clusters are
/// found; read 2 writes the kept documents (one output file per input, ``CuratedOutput``), the
/// removed ones under `removed/` when asked, and the clusters file: a TSV line
/// `id<TAB>representative id<TAB>cluster size` for every document in a cluster of two or more.
public struct MinHashRun: CorpusStage {
    public struct Summary: Sendable {
        public var documents = 0
        public var signed = 0
        public var removed = 0
        public var clusters = 0
        public var bandMatches = 0
        public var spilledRuns = 0
        public var seconds = 0.0
        public var flow = CurationFlow()
    }

    public var name: String { "minhash_dedup" }

    public var input: CorpusInput
    public var options: MinHashDeduplicator.Options
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var writeRemoved = false
    /// The clusters file; `<output>/clusters.tsv` when nil.
    public var clustersPath: String?
    /// Continue an interrupted run: inputs already written are not written again (the signatures
    /// and clusters are computed again; they decide every file).
    public var resume = false
    /// The signature and clustering workers (``MinHashDeduplicator/Options/threads``).
    public var threads: Int {
        get { options.threads }
        set { options.threads = max(1, newValue) }
    }

    public init(input: CorpusInput, options: MinHashDeduplicator.Options, outputDirectory: String) {
        self.input = input
        self.options = options
        self.outputDirectory = outputDirectory
    }

    public func run() throws -> Summary {
        let start = Date()
        let c = options.configuration
        let output = try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "dedup minhash",
                                                 settings: ["shingle \(c.shingleWords) bands \(c.buckets)x\(c.rowsPerBucket) seed \(c.seed)",
                                                            "keep \(options.keep.rawValue)", "clusters \(clustersPath ?? "")"],
                                                 compression: compression, writeRemoved: writeRemoved, resume: resume)
        let dedup = try MinHashDeduplicator(options: options)
        try input.forEachBatch { _, documents in try dedup.add(documents.map(\.text)) }
        let clusters = try dedup.finish()
        var clustered: [(Int, String)] = []
        var idOf: [UInt32: String] = [:]
        var index = 0
        try input.forEachBatch { fileIndex, documents in
            for document in documents {
                if clusters.clusterSize[index] > 1 {
                    clustered.append((index, document.id))
                    if !clusters.isRemoved(index) { idOf[UInt32(index)] = document.id }
                }
                try output.write(document, fileIndex: fileIndex, keep: !clusters.isRemoved(index))
                index += 1
            }
        }
        guard index == clusters.documentCount else {
            throw PrepError.invalidConfiguration("the inputs changed between the two reads (\(clusters.documentCount) then \(index) documents)")
        }
        var tsv: [UInt8] = Array("id\trepresentative\tcluster_size\n".utf8)
        for (document, id) in clustered {
            let representative = clusters.representative[document]
            tsv += Array("\(id)\t\(idOf[representative] ?? "")\t\(clusters.clusterSize[document])\n".utf8)
        }
        try AtomicFile.write(tsv, to: clustersPath ?? outputDirectory + "/clusters.tsv")
        try output.finish(fileCount: try input.files().count)
        return Summary(documents: clusters.documentCount, signed: clusters.signedCount, removed: output.removed,
                       clusters: clusters.clusterCount, bandMatches: clusters.pairCount, spilledRuns: dedup.spilledRuns,
                       seconds: Date().timeIntervalSince(start), flow: output.flow)
    }

    public func runStage() throws -> StageStatistics {
        let summary = try run()
        return summary.flow.statistics(name: name, seconds: summary.seconds, reason: "near_duplicate",
                                       counters: [("clusters", summary.clusters), ("band_matches", summary.bandMatches),
                                                  ("spilled_runs", summary.spilledRuns)])
    }
}
