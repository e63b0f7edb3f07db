import Foundation
import TokkitCore
import TokkitCorpus
import TokkitFormats
import TokkitIO
import TokkitText

/// Train a vocabulary from a corpus and write it in every format: read → count → train → write.
///
/// This is what `tokkit train` runs, and what the training parity tests run: counting on all cores
/// (`CorpusCounting`), count files from other runs merged in, the merges of `BPETrainer`, then
/// `tokenizer.json` (Hugging Face), `NAME.tiktoken`, and `encoder.json` + `vocab.bpe` (GPT-2), each
/// written under a temporary name and renamed when complete.
///
/// ```swift
/// let pipeline = try TrainingPipeline(configuration: TrainerConfiguration(vocabularySize: 32_768), pattern: .gpt2)
/// let reader = try DocumentReader(inputs: ["corpus/"], format: .text(.lines))
/// let summary = try pipeline.run(reader: reader, output: .init(folder: "my-vocab"))
/// ```
public struct TrainingPipeline: Sendable {
    /// Where the vocabulary files go.
    public struct Output: Sendable {
        public var folder: String
        /// Base name of the `.tiktoken` file.
        public var name: String
        /// Overwrite existing files (otherwise an existing one stops the run before any work).
        public var force: Bool

        public init(folder: String, name: String = "vocab", force: Bool = false) {
            self.folder = folder
            self.name = name
            self.force = force
        }

        public var huggingFace: String { folder + "/tokenizer.json" }
        public var tiktoken: String { folder + "/\(name).tiktoken" }
        public var encoder: String { folder + "/encoder.json" }
        public var merges: String { folder + "/vocab.bpe" }
        /// Every file a run writes.
        public var files: [String] { [huggingFace, tiktoken, encoder, merges] }
    }

    /// Where a run is.
    public enum Progress: Sendable {
        case counting(CorpusCounting.Progress)
        case merging(TrainingProgress)
        case writing
    }

    /// What a run did, for the summary a user sees.
    public struct Summary: Sendable {
        public var trained: TrainedVocabulary
        public var vocabulary: Vocabulary
        /// Bytes a custom pattern left between its matches while counting, if any (they are in no piece).
        public var uncovered: RegexPreTokenizer.UncoveredBytes?
        public var documents = 0
        public var bytesRead = 0
        public var pieces = 0
        public var distinctPieces = 0
        public var countingSeconds = 0.0
        public var mergingSeconds = 0.0
        public var writingSeconds = 0.0
    }

    public let trainer: BPETrainer
    public let pattern: SplitPattern
    public let engine: RegexEngine
    public let threads: Int

    public init(configuration: TrainerConfiguration, pattern: SplitPattern, engine: RegexEngine = .auto,
                threads: Int = Tokenizer.defaultThreadCount) throws(PipelineError) {
        do { trainer = try BPETrainer(configuration) } catch { throw .training(error) }
        self.pattern = pattern
        self.engine = engine
        self.threads = max(1, threads)
    }

    /// Counts `reader` (when given), merges the count files, trains and writes `output`.
    ///
    /// - Throws: `PipelineError`; nothing is written under a final name unless it is complete.
    public func run(reader: DocumentReader?, countFiles: [String] = [], output: Output,
                    progress: (Progress) -> Void = { _ in }) throws(PipelineError) -> Summary {
        try prepare(output)
        let clock = ContinuousClock()
        let start = clock.now
        var counts = WordCounts()
        var documents = 0, bytesRead = 0, pieces = 0
        var countedUncovered: RegexPreTokenizer.UncoveredBytes?
        if let reader {
            let counted = try CorpusCounting(pattern: pattern, engine: engine, threads: threads)
                .count(reader) { progress(.counting($0)) }
            counts = counted.counts
            countedUncovered = counted.uncovered
            pieces = counted.pieces
            documents = counted.statistics.documents
            bytesRead = counted.statistics.bytes
        }
        for file in countFiles {
            do { try counts.merge(try Self.readCountFile(file, expecting: pattern)) } catch let error as WordCountsFull {
                throw .countFile(path: file, reason: error.description)
            } catch let error as PipelineError {
                throw error
            } catch {
                throw .countFile(path: file, reason: "\(error)")
            }
        }
        let counted = clock.now

        let distinctPieces = counts.distinctCount
        // The trainer is handed the only reference, so the counts' memory is released before merging.
        var pending = Optional(consume counts)
        let trained: TrainedVocabulary
        do {
            // `train` takes an optional (hence escaping) closure; it calls it only while it runs.
            trained = try withoutActuallyEscaping(progress) { progress throws(TrainerError) in
                guard let taken = pending.take() else { throw TrainerError.emptyCorpus }
                return try trainer.train(consume taken) { progress(.merging($0)) }
            }
        } catch {
            throw .training(error)
        }
        let merged = clock.now

        progress(.writing)
        let vocabulary: Vocabulary
        do { vocabulary = try trained.vocabulary() } catch { throw .inconsistent(error) }
        let merges = trained.vocabularyMerges
        // Four renames are not one: the IncompleteVocabularySet marker exists from before the first file
        // until after the last, and a failure removes the set, so no folder holds part of a set that loads.
        let marker = IncompleteVocabularySet.marker(in: output.folder)
        do {
            try FileIO.writeAtomically([], to: marker)
            try HuggingFaceTokenizerFile.write(vocabulary, pattern: pattern, merges: merges, to: output.huggingFace)
            try TiktokenFile.write(vocabulary, to: output.tiktoken)
            try GPT2Files.write(vocabulary, merges: merges, encoderPath: output.encoder, mergesPath: output.merges)
        } catch let error as VocabularyFileError {
            for path in output.files { unlink(path) }
            unlink(marker)
            throw .output(error)
        } catch {
            for path in output.files { unlink(path) }
            unlink(marker)
            throw .output(.unwritable(path: marker, reason: "\(error)"))
        }
        guard unlink(marker) == 0 else {
            throw .output(.unwritable(path: marker, reason: "cannot remove the unfinished-set marker: \(String(cString: strerror(errno)))"))
        }
        let written = clock.now
        return Summary(trained: trained, vocabulary: vocabulary, uncovered: countedUncovered, documents: documents, bytesRead: bytesRead, pieces: pieces,
                       distinctPieces: distinctPieces, countingSeconds: Self.seconds(counted - start),
                       mergingSeconds: Self.seconds(merged - counted), writingSeconds: Self.seconds(written - merged))
    }

    /// A count file written by `tokkit count` (`WordCounts.serialized()`), checked as it is read.
    public static func readCountFile(_ path: String, expecting pattern: SplitPattern? = nil) throws(PipelineError) -> WordCounts {
        do {
            var settings: [(key: String, value: String)] = []
            let counts = try WordCounts(deserializing: try FileIO.read(path), source: path, settings: &settings)
            if let pattern, let recorded = settings.first(where: { $0.key == "pattern" })?.value, recorded != pattern.regex {
                throw PipelineError.countFilePattern(path: path, recorded: recorded, expected: pattern.regex)
            }
            return counts
        } catch let error as PipelineError {
            throw error
        } catch let error as FileError {
            throw .countFile(path: path, reason: error.description)
        } catch {
            throw .countFile(path: path, reason: "\(error)")
        }
    }

    /// Creates the folder and refuses to overwrite unless asked, before any work is done.
    /// The split pattern the first of `countFiles` records, or nil (none given, or version-1 files, which
    /// record none): a run on count files alone declares the pattern they were counted with.
    public static func recordedPattern(of countFiles: [String]) throws(PipelineError) -> SplitPattern? {
        guard let first = countFiles.first else { return nil }
        do {
            var settings: [(key: String, value: String)] = []
            _ = try WordCounts(deserializing: try FileIO.read(first), source: first, settings: &settings)
            return settings.first { $0.key == "pattern" }.map { SplitPattern(regex: $0.value) }
        } catch {
            throw .countFile(path: first, reason: "\(error)")
        }
    }

    private func prepare(_ output: Output) throws(PipelineError) {
        do {
            try FileManager.default.createDirectory(atPath: output.folder, withIntermediateDirectories: true)
        } catch {
            throw .output(.unwritable(path: output.folder, reason: "cannot create the output folder: \(FileIO.reason(for: error))"))
        }
        guard !output.force else { return }
        for path in output.files where FileManager.default.fileExists(atPath: path) {
            throw .outputExists(path: path)
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
