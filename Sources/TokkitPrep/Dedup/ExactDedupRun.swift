import Foundation
import TokkitCorpus

/// `tokkit dedup exact`: drops every document whose normalized text occurred before, in one read.
/// With `reference` inputs (dataset A), A is indexed first and only the inputs (dataset B) are
/// written: a B document whose text is in A is removed, and `matches.tsv` lists
/// `b id<TAB>matched id<TAB>side` (side `A`, or `B` for a repeat within B).
public struct ExactDedupRun: CorpusStage {
    public struct Summary: Sendable {
        public var documents = 0
        public var removed = 0
        public var matchedReference = 0
        public var referenceDocuments = 0
        public var seconds = 0.0
        public var flow = CurationFlow()
    }

    public var name: String { "exact_dedup" }

    public var input: CorpusInput
    public var reference: CorpusInput?
    public var normalization: ExactDeduplicator.Normalization
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var writeRemoved = false
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Continue an interrupted run: inputs already written are not written again.
    public var resume = false

    public init(input: CorpusInput, normalization: ExactDeduplicator.Normalization, outputDirectory: String) {
        self.input = input
        self.normalization = normalization
        self.outputDirectory = outputDirectory
    }

    public func run() throws -> Summary {
        let start = Date()
        let referenceFiles = try reference?.files() ?? []
        let output = try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "dedup exact",
                                                 settings: ["normalize \(normalization.rawValue)",
                                                            CuratedOutput.fingerprint(stage: "against", settings: [], inputs: referenceFiles)],
                                                 compression: compression, writeRemoved: writeRemoved, resume: resume)
        var dedup = ExactDeduplicator(normalization: normalization)
        var ids: [String] = []
        var summary = Summary()
        if let reference {
            try reference.forEachBatch { _, documents in
                for (key, document) in zip(ExactDeduplicator.keys(documents.map(\.text), normalization: normalization, threads: threads), documents) {
                    _ = dedup.insert(key, index: ids.count)
                    ids.append(document.id)
                }
            }
            summary.referenceDocuments = ids.count
        }
        let referenceCount = ids.count
        var matches: [UInt8] = Array("id\tmatched_id\tmatched_side\n".utf8)
        try input.forEachBatch { fileIndex, documents in
            for (key, document) in zip(ExactDeduplicator.keys(documents.map(\.text), normalization: normalization, threads: threads), documents) {
                let first = dedup.lookup(key, index: ids.count, insertingMisses: true)
                ids.append(document.id)
                if let first {
                    matches += Array("\(document.id)\t\(ids[first])\t\(first < referenceCount ? "A" : "B")\n".utf8)
                    if first < referenceCount { summary.matchedReference += 1 }
                }
                try output.write(document, fileIndex: fileIndex, keep: first == nil)
            }
        }
        try AtomicFile.write(matches, to: outputDirectory + "/matches.tsv")
        try output.finish(fileCount: try input.files().count)
        summary.documents = ids.count - referenceCount
        summary.removed = output.removed
        summary.seconds = Date().timeIntervalSince(start)
        summary.flow = output.flow
        return summary
    }

    public func runStage() throws -> StageStatistics {
        let summary = try run()
        return summary.flow.statistics(name: name, seconds: summary.seconds, reason: "duplicate",
                                       counters: [("matched_reference", summary.matchedReference)])
    }
}
