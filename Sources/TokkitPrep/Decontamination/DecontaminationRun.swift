import Foundation
import TokkitCorpus
import TokkitIO

/// `tokkit decontaminate`: training documents against evaluation files, in one streaming read.
///
/// Each evaluation file is one benchmark, named by its file name without extensions (`mmlu.jsonl`
/// → `mmlu`); its documents (JSONL `text`, or lines of a text file) are the items. A training
/// document with at least `minMatches` overlapping n-grams is removed (`.remove`) or kept with
/// `metadata.contamination` = `[{benchmark, item, word_offset, ngram}]` (`.flag`). Every match goes
/// to `<output>/contamination.tsv` (`id, benchmark, item, word_offset, ngram`), so a report can say
/// which benchmark and which span.
public struct DecontaminationRun: CorpusStage {
    public enum Mode: String, Sendable, CaseIterable {
        case remove
        case flag
    }

    public struct Summary: Sendable {
        public var documents = 0
        public var contaminated = 0
        public var removed = 0
        public var byBenchmark: [String: Int] = [:]
        public var evaluationNGrams = 0
        public var seconds = 0.0
        public var flow = CurationFlow()
    }

    public var name: String { "decontaminate" }

    public var input: CorpusInput
    public var evaluationFiles: [String]
    public var evaluationFormat: DocumentFileReader.Format = .jsonl(DocumentAdapter())
    public var n = 13
    public var minMatches = 1
    public var mode: Mode = .remove
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var writeRemoved = false
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Continue an interrupted run: inputs already written are not written again.
    public var resume = false

    public init(input: CorpusInput, evaluationFiles: [String], outputDirectory: String) {
        self.input = input
        self.evaluationFiles = evaluationFiles
        self.outputDirectory = outputDirectory
    }

    /// Loads the benchmarks of the evaluation files.
    public func benchmarks() throws -> [NGramDecontaminator.Benchmark] {
        guard !evaluationFiles.isEmpty else { throw PrepError.invalidConfiguration("no evaluation files (--eval)") }
        return try DocumentReader.expand(evaluationFiles).map { path in
            let name = URL(fileURLWithPath: path).lastPathComponent.split(separator: ".").first.map(String.init) ?? path
            let reader = try DocumentFileReader(path: path, idPath: name, format: evaluationFormat)
            var items: [(id: String, text: String)] = []
            while let document = try reader.next() { items.append((document.id, document.text)) }
            return NGramDecontaminator.Benchmark(name: name, items: items)
        }
    }

    public func run() throws -> Summary {
        let start = Date()
        let decontaminator = try NGramDecontaminator(benchmarks: benchmarks(), n: n)
        let output = try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "decontaminate",
                                                 settings: ["n \(n) min_matches \(minMatches) mode \(mode.rawValue) eval format \(evaluationFormat)",
                                                            CuratedOutput.fingerprint(stage: "eval", settings: [], inputs: try DocumentReader.expand(evaluationFiles))],
                                                 compression: compression, writeRemoved: writeRemoved, resume: resume)
        var summary = Summary(evaluationNGrams: decontaminator.ngramCount)
        var report: [UInt8] = Array("id\tbenchmark\titem\tword_offset\tngram\n".utf8)
        try input.forEachBatch(batchSize: 2048) { fileIndex, documents in
            var found = [[NGramDecontaminator.Match]](repeating: [], count: documents.count)
            let workers = min(max(1, threads), max(1, documents.count / 64))
            found.withUnsafeMutableBufferPointer { buffer in
                // Each worker writes only its own contiguous slice.
                nonisolated(unsafe) let out = buffer
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for index in (documents.count * worker / workers)..<(documents.count * (worker + 1) / workers) {
                        out[index] = decontaminator.matches(in: documents[index].text)
                    }
                }
            }
            for (var document, matches) in zip(documents, found) {
                summary.documents += 1
                for match in matches {
                    report += Array("\(document.id)\t\(match.benchmark)\t\(match.itemID)\t\(match.wordOffset)\t\(match.ngram)\n".utf8)
                }
                let contaminated = matches.count >= minMatches && !matches.isEmpty
                if contaminated {
                    summary.contaminated += 1
                    for benchmark in Set(matches.map(\.benchmark)) { summary.byBenchmark[benchmark, default: 0] += 1 }
                }
                if contaminated, mode == .flag {
                    document.metadata["contamination"] = .array(matches.map { match in
                        .object(JSONObject([("benchmark", .string(match.benchmark)), ("item", .string(match.itemID)),
                                            ("word_offset", .integer(match.wordOffset)), ("ngram", .string(match.ngram))]))
                    })
                }
                try output.write(document, fileIndex: fileIndex, keep: !(contaminated && mode == .remove))
            }
        }
        try AtomicFile.write(report, to: outputDirectory + "/contamination.tsv")
        try output.finish(fileCount: try input.files().count)
        summary.removed = output.removed
        summary.seconds = Date().timeIntervalSince(start)
        summary.flow = output.flow
        return summary
    }

    /// Removed documents count as `contaminated`; `contaminated_<benchmark>` counts the documents
    /// that matched each benchmark (removed or flagged).
    public func runStage() throws -> StageStatistics {
        let summary = try run()
        return summary.flow.statistics(name: name, seconds: summary.seconds, reason: "contaminated",
                                       counters: summary.byBenchmark.sorted { $0.key < $1.key }.map { ("contaminated_\($0.key)", $0.value) })
    }
}
