import Foundation
import TokkitCorpus

/// `tokkit dedup minhash`: MinHash de-duplication of a corpus, datatrove's four stages in two reads.
///
/// Read 1 signs every document (in parallel) into a ``MinHashDeduplicator``; then the clusters are
/// found; read 2 writes the kept documents (one output file per input, ``CuratedOutput``), the
/// removed ones under `removed/` when asked, and the clusters file: a TSV line
/// `id<TAB>representative id<TAB>cluster size` for every document in a cluster of two or more.
public struct MinHashRun {
    public struct Summary: Sendable {
        public var documents = 0
        public var signed = 0
        public var removed = 0
        public var clusters = 0
        public var bandMatches = 0
        public var spilledRuns = 0
        public var seconds = 0.0
    }

    public var input: CorpusInput
    public var options: MinHashDeduplicator.Options
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var writeRemoved = false
    /// The clusters file; `<output>/clusters.tsv` when nil.
    public var clustersPath: String?

    public init(input: CorpusInput, options: MinHashDeduplicator.Options, outputDirectory: String) {
        self.input = input
        self.options = options
        self.outputDirectory = outputDirectory
    }

    public func run() throws -> Summary {
        let start = Date()
        let output = try CuratedOutput(directory: outputDirectory, compression: compression, writeRemoved: writeRemoved)
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
                       seconds: Date().timeIntervalSince(start))
    }
}
