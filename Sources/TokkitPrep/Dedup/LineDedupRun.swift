import Foundation
import TokkitCorpus

/// `tokkit dedup lines`: line-span de-duplication of a corpus (``LineDeduplicator``) in one read.
///
/// Documents are taken in corpus order; each batch's span keys are computed in parallel, checked
/// against the keys seen so far in order (so the first occurrence is kept whatever the thread
/// count), and the changed documents are rebuilt and judged in parallel. A document that loses
/// lines is written with its new text; one that falls below the minimum words or sentences goes to
/// `removed/` (when asked) with its original text. With `resume`, inputs already complete are read
/// for their keys only.
public struct LineDedupRun: CorpusStage {
    public struct Summary: Sendable, Equatable {
        public var documents = 0
        /// Non-blank spans keyed, and those that occurred before.
        public var spans = 0
        public var duplicateSpans = 0
        /// Documents that lost lines (kept or removed), and those removed.
        public var changed = 0
        public var removed = 0
        public var skippedFiles = 0
        public var seconds = 0.0
        public var flow = CurationFlow()
    }

    public var name: String { "line_dedup" }

    public var input: CorpusInput
    public var configuration: LineDedupConfiguration
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var writeRemoved = false
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var resume = false

    public init(input: CorpusInput, configuration: LineDedupConfiguration = .init(), outputDirectory: String) {
        self.input = input
        self.configuration = configuration
        self.outputDirectory = outputDirectory
    }

    public var settings: [String] {
        ["span_lines \(configuration.spanLines)", "min_doc_words \(configuration.minDocumentWords)",
         "min_num_sentences \(configuration.minSentences)", "min_words_to_remove_span \(configuration.minWordsToRemoveSpan)",
         "hash \(configuration.hash.rawValue) \(configuration.precision)"] + (configuration.split == .sentences ? ["split sentences"] : [])
    }

    public func run() throws -> Summary {
        let start = Date()
        let deduplicator = try LineDeduplicator(configuration: configuration)
        let files = try input.files()
        let output = try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "dedup lines", settings: settings,
                                                 compression: compression, writeRemoved: writeRemoved, resume: resume)
        var index = LineDedupIndex()
        var summary = Summary()
        try input.forEachBatch { fileIndex, documents in
            let texts = documents.map(\.text)
            let keys = CurationParallel.map(texts.count, threads: threads) { deduplicator.spanKeys(texts[$0]) }
            let duplicates = keys.map { index.duplicates($0) }
            summary.documents += documents.count
            summary.spans += keys.reduce(0) { $0 + $1.count }
            summary.duplicateSpans += duplicates.reduce(0) { $0 + $1.count }
            if output.isComplete(fileIndex) { return }
            let results = CurationParallel.map(texts.count, threads: threads) { i -> (String, Bool)? in
                guard !duplicates[i].isEmpty else { return nil }
                let filtered = deduplicator.removing(lines: duplicates[i], from: texts[i])
                return (filtered, deduplicator.keeps(original: texts[i], filtered: filtered))
            }
            for (document, result) in zip(documents, results) {
                guard let (filtered, keep) = result else {
                    try output.write(document, fileIndex: fileIndex, keep: !document.text.isEmpty)
                    continue
                }
                summary.changed += 1
                var written = document
                if keep { written.text = filtered }
                try output.write(written, fileIndex: fileIndex, keep: keep, bytesIn: document.text.utf8.count)
            }
        }
        try output.finish(fileCount: files.count)
        summary.removed = output.removed
        summary.skippedFiles = output.skippedFiles
        summary.seconds = Date().timeIntervalSince(start)
        summary.flow = output.flow
        return summary
    }

    public func runStage() throws -> StageStatistics {
        let summary = try run()
        return summary.flow.statistics(name: name, seconds: summary.seconds, reason: "too_short_after_line_removal",
                                       counters: [("spans", summary.spans), ("duplicate_spans", summary.duplicateSpans),
                                                  ("documents_changed", summary.changed)])
    }
}
