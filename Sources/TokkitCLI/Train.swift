import ArgumentParser
import Foundation
import Tokkit

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
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

    @OptionGroup var special: SpecialTokenOptions

    @Flag(name: .customLong("specials-first"), help: "Give special tokens the first ids (HF's order) instead of the last (GPT-2's).")
    var specialsFirst = false

    @Option(name: .customLong("max-token-length"), help: "The longest token, in bytes.")
    var maxTokenLength: Int?

    @Option(name: .customLong("tie-policy"), help: "How equal pair counts are ordered: hf (BpeTrainer, default) or bytes (rustbpe).")
    var tiePolicy: TiePolicy = .hf

    @OptionGroup var workers: RunOptions

    @Option(name: [.short, .long], help: "Folder for the vocabulary files (created if missing).")
    var output: String

    @Option(name: .long, help: "Base name of the .tiktoken file.")
    var name: String = "vocab"

    @OptionGroup var overwrite: OverwriteOptions

    func validate() throws {
        if let numbered = special.specials.first(where: { $0.id != nil }) {
            throw ValidationError("train assigns special-token ids itself (after the merges, or first with --specials-first): give --special \(numbered.text), without =\(numbered.id ?? 0)")
        }
    }

    func run() throws {
        let configuration = TrainerConfiguration(
            vocabularySize: vocabularySize, minFrequency: minFrequency, specialTokens: special.specials.map { Array($0.text.utf8) },
            specialsFirst: specialsFirst, maxTokenLength: maxTokenLength, tiePolicy: tiePolicy)
        let progress = ProgressLine(quiet: workers.quiet)
        // Count files record their pattern: with none given, the vocabulary declares theirs; a different one
        // given is refused by the pipeline, as are count files of different patterns.
        let pattern = try splitting.given ?? TrainingPipeline.recordedPattern(of: countFiles) ?? .gpt2
        let pipeline = try TrainingPipeline(configuration: configuration, pattern: pattern, engine: splitting.engine, threads: workers.threads)
        let reader = !input.inputs.isEmpty || countFiles.isEmpty ? try input.reader(default: .lines) : nil
        var mergeStart = 0.0
        let summary = try pipeline.run(reader: reader, countFiles: countFiles,
                                       output: .init(folder: output, name: name, force: overwrite.force)) { event in
            switch event {
            case .counting(let step):
                progress.update(CountProgress.line(step, elapsed: progress.elapsed))
            case .merging(let step):
                if mergeStart == 0 {
                    progress.finish()
                    mergeStart = progress.elapsed
                }
                let done = Double(step.tokensDone) / Double(max(step.tokensTarget, 1))
                let elapsed = progress.elapsed - mergeStart
                let eta = done > 0 ? elapsed / done - elapsed : 0
                progress.update("merging: \(ProgressLine.bar(done)) \(step.mergesDone) merges, last count \(step.lastMergeCount), ETA \(ProgressLine.duration(eta))")
            case .writing:
                progress.finish()
            }
        }
        try InputOptions.reportSkippedLines(reader?.statistics.skipped ?? SkippedLines())
        if let gap = summary.uncovered { try warnAboutUncoveredBytes(gap) }
        // Training stops early when no pair is left (or none reaches --min-frequency): say so, quiet or not,
        // since the vocabulary is smaller than asked and a model sized for it would have unused rows.
        if summary.vocabulary.size < vocabularySize {
            try log("warning: the merges ran out after \(summary.trained.merges.count) merges: the vocabulary has \(summary.vocabulary.size) ids, "
                + "\(vocabularySize) were asked for (the corpus has no more pairs\(minFrequency > 1 ? " occurring \(minFrequency) times or more" : ""))")
        }
        if !workers.quiet {
            try log("""
                trained \(summary.trained.merges.count) merges, \(summary.vocabulary.size) ids (\(summary.vocabulary.specialTokens.count) special) into \(output)
                  corpus   \(summary.documents) documents, \(ProgressLine.bytes(summary.bytesRead)), \(summary.pieces) pieces, \(summary.distinctPieces) distinct
                  time     counting \(ProgressLine.duration(summary.countingSeconds)), merging \(ProgressLine.duration(summary.mergingSeconds)), writing \(ProgressLine.duration(summary.writingSeconds))
                  memory   peak \(ProgressLine.bytes(PeakMemory.bytes))
                """)
        }
    }
}

extension TiePolicy: ArgumentChoice {}
