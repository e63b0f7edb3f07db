import ArgumentParser
import Foundation
import TokkitCore
import TokkitCorpus
import TokkitFormats
import TokkitText

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a byte-level BPE vocabulary; merges identical to Hugging Face's BpeTrainer.",
        discussion: """
        Phases: count the corpus's pieces on all cores (or merge count files with --counts), then merge \
        pairs on the unique pieces with a lazy max-heap, touching only the pieces that contain the chosen pair.

        Tie policies: hf (default) picks the highest count, then the smallest left id, then the smallest \
        right id, with byte ids in GPT-2's byte-character order: bit-exact with Hugging Face's BpeTrainer \
        fed the same documents. bytes uses raw byte values as ids, as rustbpe does.

        Writes into --output: tokenizer.json (Hugging Face), NAME.tiktoken (tiktoken; pattern and specials \
        are in tokenizer.json), encoder.json + vocab.bpe (GPT-2). Each file is written under a temporary \
        name and renamed when complete.
        """
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var splitting: PatternOptions

    @Option(name: .customLong("counts"), parsing: .upToNextOption, help: ArgumentHelp(
        "Count files (from tokkit count) to merge, instead of or in addition to input files.", valueName: "file"))
    var countFiles: [String] = []

    // `.unconditional`: `--vocab-size -5` is a value to refuse with a reason, not a missing value.
    @Option(name: .customLong("vocab-size"), parsing: .unconditional, help: "Total vocabulary size: 256 byte tokens + merges + special tokens.")
    var vocabularySize: Int

    @Option(name: .customLong("min-frequency"), help: "Stop when the best pair occurs fewer times than this (inclusive, as HF).")
    var minFrequency: UInt64 = 0

    @Option(name: .customLong("special"), help: ArgumentHelp("A special token; repeat for several.", valueName: "text"))
    var specials: [String] = []

    @Flag(name: .customLong("specials-first"), help: "Give special tokens the first ids (HF's order) instead of the last (GPT-2's).")
    var specialsFirst = false

    @Option(name: .customLong("max-token-length"), help: "The longest token, in bytes.")
    var maxTokenLength: Int?

    @Option(name: .customLong("tie-policy"), help: "How equal pair counts are ordered: hf (BpeTrainer, default) or bytes (rustbpe).")
    var tiePolicy: TiePolicy = .hf

    @Option(name: .long, help: "Worker threads for counting (default: all cores).")
    var threads: Int = Tokenizer.defaultThreadCount

    @Option(name: [.short, .long], help: "Folder for the vocabulary files (created if missing).")
    var output: String

    @Option(name: .long, help: "Base name of the .tiktoken file.")
    var name: String = "vocab"

    @Flag(name: .long, help: "Overwrite existing vocabulary files in the output folder.")
    var force = false

    @Flag(name: .long, help: "No progress line and no summary.")
    var quiet = false

    func run() throws {
        // Count files record their pattern: read them first, so that the vocabulary declares the pattern the
        // counts were made with, and counts of different patterns are refused instead of merged.
        var recorded: (pattern: String, file: String)?
        var fromFiles = WordCounts()
        for file in countFiles {
            var settings: [(key: String, value: String)] = []
            do {
                fromFiles.merge(try WordCounts(deserializing: try FileIO.read(file), source: file, settings: &settings))
            } catch {
                throw CLIError("\(error)")
            }
            guard let pattern = settings.first(where: { $0.key == "pattern" })?.value else { continue }
            if let recorded, recorded.pattern != pattern {
                throw CLIError("\(recorded.file) and \(file) were counted with different split patterns "
                    + "(\(SplitPattern(regex: recorded.pattern)) and \(SplitPattern(regex: pattern))); their counts cannot be merged")
            }
            recorded = (pattern, file)
        }
        let pattern: SplitPattern
        if let recorded {
            pattern = SplitPattern(regex: recorded.pattern)
            if splitting.isGiven, try splitting.splitPattern() != pattern {
                throw CLIError("\(recorded.file) was counted with the split pattern \(pattern), not \(try splitting.splitPattern()); "
                    + "leave out --pattern, or count again with the pattern you want")
            }
        } else {
            pattern = try splitting.splitPattern()
        }
        let configuration = TrainerConfiguration(
            vocabularySize: vocabularySize, minFrequency: minFrequency, specialTokens: specials.map { Array($0.utf8) },
            specialsFirst: specialsFirst, maxTokenLength: maxTokenLength, tiePolicy: tiePolicy)
        let trainer: BPETrainer
        do { trainer = try BPETrainer(configuration) } catch { throw CLIError(error.description) }
        let paths = Paths(folder: output, name: name)
        try paths.prepare(force: force)

        let progress = ProgressLine(quiet: quiet)
        var counts = WordCounts()
        var pieces = 0
        var documents = 0
        var bytesRead = 0
        if !input.inputs.isEmpty || countFiles.isEmpty {
            let counted = try CorpusCount.run(input: input, pattern: pattern, engine: splitting.engine, threads: threads,
                                                  progress: progress)
            counts = counted.counts
            pieces = counted.pieces
            documents = counted.statistics.documents
            bytesRead = counted.statistics.bytes
        }
        counts.merge(fromFiles)
        let countingTime = progress.elapsed

        let mergeStart = progress.elapsed
        let trained: TrainedVocabulary
        do {
            trained = try trainer.train(counts) { step in
                let done = Double(step.tokensDone) / Double(max(step.tokensTarget, 1))
                let elapsed = progress.elapsed - mergeStart
                let eta = done > 0 ? elapsed / done - elapsed : 0
                progress.update("merging: \(ProgressLine.bar(done)) \(step.mergesDone) merges, last count \(step.lastMergeCount), ETA \(ProgressLine.duration(eta))")
            }
        } catch {
            throw CLIError(error.description)
        }
        progress.finish()
        let mergingTime = progress.elapsed - mergeStart

        let writeStart = progress.elapsed
        let vocabulary = try trained.vocabulary()
        let merges = trained.merges.map { Vocabulary.Merge(left: $0.left, right: $0.right) }
        try paths.writeAsOneSet { () throws(VocabularyFileError) in
            try HuggingFaceTokenizerFile.write(vocabulary, pattern: pattern, merges: merges, to: paths.huggingFace)
            try TiktokenFile.write(vocabulary, to: paths.tiktoken)
            try GPT2Files.write(vocabulary, merges: merges, encoderPath: paths.encoder, mergesPath: paths.merges)
        }
        // Training stops early when no pair is left (or none reaches --min-frequency): say so, quiet or not,
        // since the vocabulary is smaller than asked and a model sized for it would have unused rows.
        if vocabulary.size < vocabularySize {
            try log("warning: the merges ran out after \(trained.merges.count) merges: the vocabulary has \(vocabulary.size) ids, "
                + "\(vocabularySize) were asked for (the corpus has no more pairs\(minFrequency > 1 ? " occurring \(minFrequency) times or more" : ""))")
        }
        if !quiet {
            try log("""
                trained \(trained.merges.count) merges, \(vocabulary.size) ids (\(vocabulary.specialTokens.count) special) into \(output)
                  corpus   \(documents) documents, \(ProgressLine.bytes(bytesRead)), \(pieces) pieces, \(counts.distinctCount) distinct
                  time     counting \(ProgressLine.duration(countingTime)), merging \(ProgressLine.duration(mergingTime)), writing \(ProgressLine.duration(progress.elapsed - writeStart))
                  memory   peak \(ProgressLine.bytes(PeakMemory.bytes))
                """)
        }
    }

    struct Paths {
        var folder: String
        var name: String
        var huggingFace: String { folder + "/tokenizer.json" }
        var tiktoken: String { folder + "/\(name).tiktoken" }
        var encoder: String { folder + "/encoder.json" }
        var merges: String { folder + "/vocab.bpe" }

        /// Runs `write` between creating and removing the ``IncompleteVocabularySet`` marker; when it fails,
        /// removes the files of the set and then the marker, so the folder never holds a partial set that loads.
        func writeAsOneSet(_ write: () throws(VocabularyFileError) -> Void) throws {
            let marker = IncompleteVocabularySet.marker(in: folder)
            do {
                try FileIO.writeAtomically([], to: marker)
                try write()
            } catch {
                for path in [huggingFace, tiktoken, encoder, merges] { unlink(path) }
                unlink(marker)
                throw CLIError(error.description)
            }
            guard unlink(marker) == 0 else {
                throw CLIError("\(marker): cannot remove the marker of an unfinished set: \(String(cString: strerror(errno)))")
            }
        }

        func prepare(force: Bool) throws {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw CLIError("\(folder): cannot create the output folder: \(error.localizedDescription)")
            }
            guard !force else { return }
            for path in [huggingFace, tiktoken, encoder, merges] where FileManager.default.fileExists(atPath: path) {
                throw CLIError("\(path) exists; pass --force to overwrite it")
            }
        }
    }
}

extension TiePolicy: ExpressibleByArgument {}

extension TrainedVocabulary {
    /// The trained tokens as a `Vocabulary` (special tokens included).
    func vocabulary() throws -> Vocabulary {
        do {
            return try Vocabulary(tokens: tokens, firstRank: firstTokenID,
                                  specialTokens: specialTokens)
        } catch {
            throw CLIError("the trained vocabulary is inconsistent: \(error)")
        }
    }
}
