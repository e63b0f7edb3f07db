import Foundation
import TokkitCorpus
import TokkitIO

/// A `tokkit prep` run whose configuration lists corpus-wide stages: its ``PrepStep``s in order,
/// each reading the files the step before wrote.
///
/// A pass of per-document stages is a ``PrepRun``; a corpus stage (dedup, decontamination,
/// selection) is the same ``CorpusStage`` value its subcommand runs, so `tokkit prep` with
/// `minhash_dedup` writes the bytes `tokkit dedup minhash` writes on the same documents.
///
/// Layout of the output directory:
/// - `<%05d>.jsonl[.gz|.zst]`: the documents the last step kept, one file per input (as `tokkit prep`);
/// - `steps/<NN>-<name>/`: each step's own directory as its command writes it (reports such as
///   `clusters.tsv`, `matches.tsv` or `contamination.tsv`, `removed/` with `--removed`, completion
///   markers) and `step-statistics.json` once the step is finished. A step's kept documents are
///   deleted when the next step has finished, so the disk holds at most two copies of the corpus;
///   the last step's are renamed into the output directory;
/// - `stats/00000.json`: every stage's statistics in order, as a prep run's;
/// - `run.json`: the run's fingerprint; ``DocumentReader/incompleteMarker`` until the run finishes.
///
/// With `resume`, finished steps are skipped (their statistics are read back) and the unfinished
/// one resumes as its command would. Intermediate files are written uncompressed; the last step
/// uses the requested compression.
public final class PrepPipeline: PrepRunning {
    public let options: PrepRun.Options
    public let steps: [PrepStep]
    /// The lines `skipBadLines` skipped in the run's inputs (later steps read Tokkit's own files).
    public private(set) var skippedLines = SkippedLines()
    /// Called after each batch of a per-document pass with (documents read, bytes read, files done, files total).
    public var progress: ((Int, Int, Int, Int) -> Void)?

    /// - Throws: when the run is one rank of several: a corpus stage needs every document.
    public init(options: PrepRun.Options, steps: [PrepStep]) throws {
        guard !options.plan.isPartial else {
            throw PrepError.invalidConfiguration("corpus-wide stages (\(steps.compactMap { if case .corpus(let s) = $0 { s.name } else { nil } }.joined(separator: ", "))) "
                + "need every document in one run: run without --rank/--world-size")
        }
        self.options = options
        self.steps = steps
    }

    /// Runs every step; returns the statistics of all stages, in order.
    public func run() throws -> RunStatistics {
        let manager = FileManager.default
        let directory = options.outputDirectory
        let hasRunFile = try RunDirectory.check(directory, fingerprint: options.fingerprint, resume: options.resume)
        do {
            try manager.createDirectory(atPath: directory + "/steps", withIntermediateDirectories: true)
            try manager.createDirectory(atPath: directory + "/stats", withIntermediateDirectories: true)
            if !hasRunFile { try AtomicFile.write(Array(options.fingerprint.utf8), to: directory + "/" + RunDirectory.runFile) }
            try AtomicFile.write(Array("written by a tokkit prep run that has not finished; if none is running, it was interrupted\n".utf8),
                                 to: directory + "/" + DocumentReader.incompleteMarker, replacingStale: options.resume)
        } catch {
            throw PrepError.invalidConfiguration("\(directory): cannot create the output directory: \(error)")
        }
        // The run's input file each step's file descends from; a stage that adds files (synthetic_ingest) extends it.
        var origins = try DocumentReader.expand(options.inputs)
        var files = options.inputs
        var statistics = RunStatistics()
        var previousStep: String?
        for (number, step) in steps.enumerated() {
            let last = number == steps.count - 1
            let stepDirectory = directory + "/steps/" + String(format: "%02d", number + 1) + "-" + step.name
            let compression = last ? options.compression : .none
            let inputCount = origins.count
            var written = origins
            if case .corpus(let stage) = step { written = try stage.origins(after: origins) }
            let stepStatistics = try finishedStatistics(stepDirectory)
                ?? run(step, number: number, files: files, origins: origins, directory: stepDirectory, compression: compression)
            statistics.stages += stepStatistics.stages
            if number == 0 { statistics.reader = stepStatistics.reader }
            if let previousStep { try removeDocuments(of: previousStep, fileCount: inputCount, compression: .none) }
            files = written.indices.map { stepDirectory + "/" + Self.documentsName($0, compression) }
            origins = written
            previousStep = stepDirectory
        }
        // The last step's documents become the run's; a resumed run may find some already moved.
        for (index, path) in files.enumerated() where manager.fileExists(atPath: path) {
            let target = directory + "/" + Self.documentsName(index, options.compression)
            guard rename(path, target) == 0 else {
                throw PrepError.invalidConfiguration("\(target): cannot move the last step's documents into place: \(String(cString: strerror(errno)))")
            }
        }
        var json = JSONWriter.bytes(statistics.json)
        json.append(0x0A)
        try AtomicFile.write(json, to: directory + "/stats/" + RankPartition.name(0) + ".json", replacingStale: options.resume)
        try manager.removeItem(atPath: directory + "/" + DocumentReader.incompleteMarker)
        return statistics
    }

    /// The statistics a finished step left, when resuming.
    private func finishedStatistics(_ stepDirectory: String) throws -> RunStatistics? {
        guard options.resume, let saved = FileManager.default.contents(atPath: stepDirectory + "/step-statistics.json") else { return nil }
        guard let statistics = RunStatistics(json: try JSONParser.parse(Array(saved))) else {
            throw PrepError.invalidConfiguration("\(stepDirectory)/step-statistics.json: not a tokkit prep statistics file")
        }
        return statistics
    }

    private func run(_ step: PrepStep, number: Int, files: [String], origins: [String], directory: String,
                     compression: OutputCompression) throws -> RunStatistics {
        // Only the first step reads the user's files; later steps read what Tokkit wrote.
        let format = number == 0 ? options.format : .jsonl(DocumentAdapter())
        var statistics: RunStatistics
        switch step {
        case .documents(let stages):
            var stepOptions = PrepRun.Options(inputs: files, outputDirectory: directory, plan: options.plan,
                                              fingerprint: options.fingerprint + " step \(number + 1)")
            stepOptions.format = format
            stepOptions.compression = compression
            stepOptions.threads = options.threads
            stepOptions.resume = options.resume
            stepOptions.writeDropped = options.writeDropped
            stepOptions.skipBadLines = number == 0 && options.skipBadLines
            stepOptions.lossy = number == 0 && options.lossy
            stepOptions.batchSize = options.batchSize
            let run = PrepRun(options: stepOptions, processor: DocumentProcessor(stages: stages))
            run.progress = progress
            statistics = try run.run()
            skippedLines.add(run.skippedLines)
        case .corpus(var stage):
            let input = CorpusInput(inputs: files, format: format, skipBadLines: number == 0 && options.skipBadLines,
                                    lossy: number == 0 && options.lossy)
            stage.input = input
            stage.outputDirectory = directory
            stage.compression = compression
            stage.writeRemoved = options.writeDropped
            stage.threads = options.threads
            stage.resume = options.resume
            stage.follow(origins: origins)
            let stageStatistics = try stage.runStage()
            statistics = RunStatistics(stages: [stageStatistics])
            statistics.reader.add("files", origins.count)
            statistics.reader.add("documents", stageStatistics.documentsIn)
            statistics.reader.add("bytes", stageStatistics.bytesIn)
            skippedLines.add(input.skippedLines)
        }
        var json = JSONWriter.bytes(statistics.json)
        json.append(0x0A)
        try AtomicFile.write(json, to: directory + "/step-statistics.json", replacingStale: options.resume)
        return statistics
    }

    /// Deletes the kept documents of a finished step once the next one no longer needs them.
    private func removeDocuments(of stepDirectory: String, fileCount: Int, compression: OutputCompression) throws {
        for index in 0..<fileCount {
            let path = stepDirectory + "/" + Self.documentsName(index, compression)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw PrepError.invalidConfiguration("\(path): cannot remove an intermediate file: \(error.localizedDescription)")
            }
        }
    }

    static func documentsName(_ index: Int, _ compression: OutputCompression) -> String {
        RankPartition.name(index) + ".jsonl" + compression.fileExtension
    }
}
