import Foundation
import TokkitCorpus
import TokkitIO

/// A whole `tokkit prep` run: this rank's input files through a ``DocumentProcessor`` into one
/// JSONL file per input, with drops optionally recorded, completion markers and statistics.
///
/// Layout of the output directory:
/// - `<%05d>.jsonl[.gz|.zst]`: the kept documents of input number `%05d` (its index in the sorted
///   list of all inputs), written under a temporary name and renamed when complete;
/// - `removed/<%05d>.jsonl…` with `--removed`: dropped documents with `metadata.filter_stage`
///   and `metadata.filter_reason` (datatrove's exclusion writer adds `filter_reason`);
/// - `completions/<%05d>`: one marker per finished input, which `--resume` skips;
/// - `stats/<rank %05d>.json`: this rank's ``RunStatistics``; ranks merge by addition;
/// - `run.json`: the run's fingerprint (configuration), so a rerun with another one is refused.
public final class PrepRun: PrepRunning {
    public struct Options: Sendable {
        public var inputs: [String]
        public var outputDirectory: String
        public var format: DocumentFileReader.Format = .jsonl(DocumentAdapter())
        public var compression: OutputCompression = .none
        public var plan: RankPartition
        public var threads = ProcessInfo.processInfo.activeProcessorCount
        public var resume = false
        public var writeDropped = false
        public var skipBadLines = false
        public var lossy = false
        /// Describes the configuration; a resumed run must have the same.
        public var fingerprint: String
        /// Documents per parallel batch: bounds memory (one batch in flight), not the corpus.
        public var batchSize = 4096

        public init(inputs: [String], outputDirectory: String, plan: RankPartition, fingerprint: String) {
            self.inputs = inputs
            self.outputDirectory = outputDirectory
            self.plan = plan
            self.fingerprint = fingerprint
        }
    }

    public let options: Options
    public let processor: DocumentProcessor
    public private(set) var statistics: RunStatistics
    /// The lines `skipBadLines` skipped in the files this run read (files a resumed run found complete
    /// are not read again).
    public private(set) var skippedLines = SkippedLines()
    /// Called after each batch with (documents read, bytes read, files done, files total).
    public var progress: ((Int, Int, Int, Int) -> Void)?

    public init(options: Options, processor: DocumentProcessor) {
        self.options = options
        self.processor = processor
        statistics = RunStatistics(stages: processor.emptyStatistics())
    }

    /// Checks the output directory: empty or absent, or (with `resume`) holding this run's files.
    func prepareOutput() throws(PrepError) {
        let manager = FileManager.default
        let directory = options.outputDirectory
        let hasRunFile = try RunDirectory.check(directory, fingerprint: options.fingerprint, resume: options.resume)
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if options.writeDropped { try manager.createDirectory(atPath: directory + "/removed", withIntermediateDirectories: true) }
            try manager.createDirectory(atPath: directory + "/stats", withIntermediateDirectories: true)
        } catch {
            throw .invalidConfiguration("\(directory): cannot create the output directory: \(error.localizedDescription)")
        }
        if !hasRunFile {
            do { try AtomicFile.write(Array(options.fingerprint.utf8), to: directory + "/" + RunDirectory.runFile) } catch {
                throw .invalidConfiguration(error.description)
            }
        }
    }

    /// Runs every assigned input; returns the merged statistics of this rank.
    public func run() throws -> RunStatistics {
        try prepareOutput()
        let files = try DocumentReader.expand(options.inputs)
        let assigned = options.plan.assign(files)
        let markers = CompletionMarkers(outputDirectory: options.outputDirectory, fingerprint: options.fingerprint)
        var documentsRead = 0
        var bytesRead = 0
        for (done, input) in assigned.enumerated() {
            if options.resume, markers.isComplete(input.index, path: input.path) {
                statistics.reader.add("files_skipped_complete")
                continue
            }
            let name = RankPartition.name(input.index) + ".jsonl" + options.compression.fileExtension
            // A run killed while writing these files left their temporaries; only this rank writes them.
            let writer = try JSONLWriter(path: options.outputDirectory + "/" + name, compression: options.compression,
                                         replacingStale: options.resume)
            let dropped = options.writeDropped
                ? try JSONLWriter(path: options.outputDirectory + "/removed/" + name, compression: options.compression,
                                  replacingStale: options.resume) : nil
            let reader = try DocumentFileReader(path: input.path, idPath: idPath(input.path), format: options.format,
                                                skipBadLines: options.skipBadLines, lossy: options.lossy)
            var batch: [Document] = []
            var batchBytes = 0
            func flush() throws {
                var stageStatistics = statistics.stages
                let results = processor.runBatch(batch, threads: options.threads, statistics: &stageStatistics)
                for result in results {
                    if let failure = result.failure {
                        throw PrepError.stageFailed(path: input.path, document: result.document.id, message: failure)
                    }
                    if let drop = result.drop {
                        if let dropped {
                            var document = result.document
                            document.metadata["filter_stage"] = .string(processor.stages[drop.stage].name)
                            document.metadata["filter_reason"] = .string(drop.reason)
                            try dropped.write(document)
                        }
                        continue
                    }
                    var document = result.document
                    if let failure = processor.runSequentialStages(&document, &stageStatistics) {
                        throw PrepError.stageFailed(path: input.path, document: document.id, message: failure)
                    }
                    try writer.write(document)
                }
                statistics.stages = stageStatistics
                documentsRead += batch.count
                bytesRead += batchBytes
                batch.removeAll(keepingCapacity: true)
                batchBytes = 0
                progress?(documentsRead, bytesRead, done, assigned.count)
            }
            while let document = try reader.next() {
                batch.append(document)
                batchBytes += document.text.utf8.count
                if batch.count >= options.batchSize { try flush() }
            }
            if !batch.isEmpty { try flush() }
            try writer.finish()
            try dropped?.finish()
            try markers.markComplete(input.index, path: input.path)
            statistics.reader.add("files")
            statistics.reader.add("documents", reader.statistics.documents)
            statistics.reader.add("bytes", reader.statistics.bytes)
            statistics.reader.add("empty_text_skipped", reader.statistics.emptyDocuments)
            statistics.reader.add("bad_lines_skipped", reader.statistics.skippedLines)
            skippedLines.add(reader.statistics.skipped)
            statistics.reader.add("utf8_repaired", reader.statistics.repaired)
        }
        let statsPath = options.outputDirectory + "/stats/" + RankPartition.name(options.plan.rank) + ".json"
        var json = JSONWriter.bytes(statistics.json)
        json.append(0x0A)
        try AtomicFile.write(json, to: statsPath, replacingStale: options.resume)
        return statistics
    }

    /// The path used in default ids: relative to the input directory it was found in, as
    /// datatrove's ids are relative to its data folder; a file given directly keeps its name as given.
    private func idPath(_ path: String) -> String {
        for input in options.inputs where path.hasPrefix(input + "/") {
            return String(path.dropFirst(input.count + 1))
        }
        return path
    }

    /// Merges every `stats/*.json` under `directory` (all ranks of a run).
    public static func mergedStatistics(directory: String) throws -> RunStatistics {
        let statsDirectory = directory + "/stats"
        var merged = RunStatistics()
        let names = try FileManager.default.contentsOfDirectory(atPath: statsDirectory).filter { $0.hasSuffix(".json") }.sorted()
        for name in names {
            let bytes = try InputReader.contents(of: statsDirectory + "/" + name)
            guard let stats = RunStatistics(json: try JSONParser.parse(bytes)) else {
                throw PrepError.invalidConfiguration("\(statsDirectory)/\(name): not a tokkit prep statistics file")
            }
            merged.merge(stats)
        }
        return merged
    }
}

/// A whole `tokkit prep` run over files into an output directory, whichever shape its
/// configuration gives it (``PrepRequest/makeWholeRun(_:)``): one ``PrepRun`` pass, or a
/// ``PrepPipeline`` of steps.
public protocol PrepRunning: AnyObject {
    var options: PrepRun.Options { get }
    /// The lines `skipBadLines` skipped in the run's inputs.
    var skippedLines: SkippedLines { get }
    /// Called after each batch of per-document stages with (documents read, bytes read, files done, files total).
    var progress: ((Int, Int, Int, Int) -> Void)? { get set }
    /// Runs to the end; the statistics of every stage in order (also written to `stats/`).
    func run() throws -> RunStatistics
}
