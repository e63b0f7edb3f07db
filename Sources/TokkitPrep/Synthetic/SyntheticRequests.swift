import Foundation
import TokkitCorpus
import TokkitIO

/// `tokkit synth requests` and the `synthetic_requests` stage of `tokkit prep`: a template's
/// prompts written as one OpenAI batch request file.
///
/// The command takes its seed documents from the template's `seeds` file. As a stage its seeds
/// are the pipeline's documents at that point — the ones that survived the filters and dedup
/// before it — and it passes them on unchanged (into `<output>/<NNNNN>.jsonl` per input file), so
/// one pipeline can clean a corpus, write prompts seeded by it, and go on to mix.
public struct SyntheticRequests: CorpusStage {
    public struct Summary: Sendable, Equatable {
        public var seeds = 0
        public var requests = 0
        public var bytes = 0
    }

    public var name: String { "synthetic_requests" }
    public var template: SyntheticTemplate
    /// The seed documents (the stream, for the stage); none when the prompt uses no `{seed}`.
    public var input = CorpusInput(inputs: [])
    /// Where the batch request file is written.
    public var requestFile: String
    /// Where the stage passes its documents on; empty for the command, which writes only the request file.
    public var outputDirectory = ""
    public var compression: OutputCompression = .none
    /// Nothing is removed; kept for the stage protocol.
    public var writeRemoved = false
    public var threads = 1
    public var resume = false

    public init(template: SyntheticTemplate, requestFile: String) {
        self.template = template
        self.requestFile = requestFile
    }

    public func run() throws -> Summary {
        let output = outputDirectory.isEmpty ? nil
            : try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "synth requests",
                                          settings: [template.fingerprint, "requests \(requestFile)"], compression: compression, resume: resume)
        var summary = Summary()
        var seeds: [Document] = []
        if !input.inputs.isEmpty {
            try input.forEachBatch { fileIndex, documents in
                for document in documents {
                    try output?.write(document, fileIndex: fileIndex, keep: true)
                    summary.bytes += document.text.utf8.count
                    // Only the prefix a prompt shows is kept: the seeds stay small whatever the corpus.
                    seeds.append(Document(id: document.id, text: String(document.text.prefix(template.maxSeedCharacters))))
                }
            }
        }
        summary.seeds = seeds.count
        let requests = try template.requests(seeds: template.placeholders.contains("seed") ? seeds : [])
        var bytes: [UInt8] = []
        for request in requests { bytes += template.batchLine(request) }
        try AtomicFile.write(bytes, to: requestFile)
        summary.requests = requests.count
        try output?.finish(fileCount: try input.files().count)
        return summary
    }

    public func runStage() throws -> StageStatistics {
        let start = Date()
        let summary = try run()
        var statistics = StageStatistics(name: name)
        (statistics.documentsIn, statistics.documentsOut) = (summary.seeds, summary.seeds)
        (statistics.bytesIn, statistics.bytesOut) = (summary.bytes, summary.bytes)
        statistics.seconds = Date().timeIntervalSince(start)
        if summary.requests > 0 { statistics.counters.add("requests", summary.requests) }
        return statistics
    }
}
