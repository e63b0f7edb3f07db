import ArgumentParser
import Foundation
import Tokkit

struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select",
        abstract: "Relevance selection: a metadata score threshold, DSIR importance resampling, or a trained quality classifier.",
        subcommands: [Score.self, DSIR.self, Classifier.self]
    )

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "score",
            abstract: "Keep documents whose metadata score passes FineWeb-Edu's rule: round(clip(score, 0, 5)) >= 3.",
            discussion: "Python rounding (halves to even). Kept documents get metadata.int_score. Documents without the score are dropped unless --keep-missing."
        )
        @OptionGroup var input: InputOptions
        @OptionGroup var destination: DocumentOutputOptions
        @OptionGroup var resumption: ResumeOptions
        @Option(name: .long, help: "The metadata key holding the score.") var key = "score"
        @Option(name: .long, parsing: .unconditional, help: "Minimum rounded score.") var minimum = 3
        @Flag(name: .customLong("keep-missing"), help: "Keep documents that have no score.") var keepMissing = false

        func run() throws {
            let corpus = try input.corpus()
            var run = ScoreSelectionRun(input: corpus, rule: ScoreThreshold(key: key, minimum: minimum, keepMissing: keepMissing),
                                        outputDirectory: try destination.directory())
            (run.compression, run.writeRemoved, run.resume) = (destination.outputCompression(), destination.removed, resumption.resume)
            let summary = try run.run()
            try InputOptions.reportSkippedLines(corpus.skippedLines)
            try log("select score (\(key) ≥ \(minimum)): \(summary.kept)/\(summary.documents) kept, \(summary.missingScore) without a score" + String(format: ", %.2f s", summary.seconds))
        }
    }

    struct DSIR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dsir",
            abstract: "DSIR importance resampling towards target documents (the data-selection package's weights).",
            discussion: "Hashed unigram+bigram features (10,000 buckets), log-importance weights, then top-k (--top-k) or Gumbel top-k with --seed (numpy's noise: the same selection as data-selection with num_proc=1 and np.random.seed(seed)). Documents shorter than --min-length words are never selected."
        )
        @OptionGroup var input: InputOptions
        @OptionGroup var destination: DocumentOutputOptions
        @OptionGroup var resumption: ResumeOptions
        @Option(name: .long, parsing: .upToNextOption, help: "Target documents (JSONL) whose distribution to select towards.") var target: [String] = []
        @Option(name: .short, parsing: .unconditional, help: "Documents to select.") var k: Int
        @Flag(name: .customLong("top-k"), help: "Deterministic top-k by weight, no noise.") var topK = false
        @Option(name: .long, help: "Seed of the Gumbel noise.") var seed: UInt32 = 0
        @Option(name: .customLong("min-length"), parsing: .unconditional, help: "Minimum words (data-selection's min_example_length).") var minLength = 100
        @Option(name: .long, parsing: .unconditional, help: "Hash buckets.") var buckets = 10_000

        func validate() throws {
            if k < 0 { throw ValidationError("-k must be at least 0, not \(k)") }
            if minLength < 0 { throw ValidationError("--min-length must be at least 0, not \(minLength)") }
        }

        func run() throws {
            guard !target.isEmpty else { throw ValidationError("give the target documents with --target") }
            let (corpus, targets) = (try input.corpus(), try input.corpus(target))
            var run = DSIRSelectionRun(input: corpus, target: targets, count: k, outputDirectory: try destination.directory())
            (run.topK, run.seed, run.minLength, run.buckets) = (topK, seed, minLength, buckets)
            (run.compression, run.writeRemoved, run.resume) = (destination.outputCompression(), destination.removed, resumption.resume)
            let summary = try run.run()
            try InputOptions.reportSkippedLines(corpus.skippedLines)
            try InputOptions.reportSkippedLines(targets.skippedLines)
            try log("select dsir: \(summary.kept)/\(summary.documents) selected" + String(format: ", %.2f s", summary.seconds))
        }
    }

    struct Classifier: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "classifier",
            abstract: "Score documents with a hashed n-gram logistic-regression quality classifier (GPT-3 style) and keep by threshold or Pareto sampling.",
            discussion: "Train from --positive and --negative example files (and save with --save-model), or load --model. Scores go to metadata.quality_score."
        )
        @OptionGroup var input: InputOptions
        @OptionGroup var destination: DocumentOutputOptions
        @OptionGroup var resumption: ResumeOptions
        @Option(name: .long, parsing: .upToNextOption, help: "Positive examples (JSONL).") var positive: [String] = []
        @Option(name: .long, parsing: .upToNextOption, help: "Negative examples (JSONL).") var negative: [String] = []
        @Option(name: .long, help: "A saved classifier (instead of training).") var model: String?
        @Option(name: .customLong("save-model"), help: "Write the trained classifier here.") var saveModel: String?
        @Option(name: .long, parsing: .unconditional, help: "Keep documents scoring at least this.") var threshold: Double?
        @Option(name: .customLong("pareto-alpha"), parsing: .unconditional, help: "GPT-3's rule instead: keep when pareto(alpha) > 1 − score (GPT-3 used 9).") var paretoAlpha: Double?
        @Option(name: .long, help: "Seed of training order and Pareto draws.") var seed: UInt64 = 0
        @Option(name: .long, parsing: .unconditional, help: "Hash buckets.") var buckets = 1 << 18
        @Option(name: .long, parsing: .unconditional, help: "Training epochs.") var epochs = 8

        func validate() throws {
            if buckets < 1 { throw ValidationError("--buckets must be at least 1, not \(buckets)") }
            if epochs < 1 { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
            if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be a finite number") }
            if let paretoAlpha, !(paretoAlpha > 0 && paretoAlpha.isFinite) { throw ValidationError("--pareto-alpha must be a positive number, not \(paretoAlpha)") }
        }

        func run() throws {
            let source: ClassifierSelectionRun.Source
            if let model {
                source = .model(path: model)
            } else {
                guard !positive.isEmpty, !negative.isEmpty else { throw ValidationError("give --model, or --positive and --negative example files") }
                source = .train(positive: try input.corpus(positive), negative: try input.corpus(negative), buckets: buckets, epochs: epochs, saveTo: saveModel)
            }
            let rule: SelectionRun.ClassifierRule
            switch (threshold, paretoAlpha) {
            case (let threshold?, nil): rule = .threshold(threshold)
            case (nil, let alpha?): rule = .pareto(alpha: alpha, seed: seed)
            case (nil, nil): rule = .threshold(0.5)
            default: throw ValidationError("give --threshold or --pareto-alpha, not both")
            }
            let corpus = try input.corpus()
            var run = ClassifierSelectionRun(input: corpus, source: source, rule: rule, outputDirectory: try destination.directory())
            run.seed = seed
            (run.compression, run.writeRemoved, run.resume) = (destination.outputCompression(), destination.removed, resumption.resume)
            let summary = try run.run()
            if case .train(let positive, let negative, _, _, _) = source {
                try InputOptions.reportSkippedLines(positive.skippedLines)
                try InputOptions.reportSkippedLines(negative.skippedLines)
            }
            try InputOptions.reportSkippedLines(corpus.skippedLines)
            try log("select classifier: \(summary.kept)/\(summary.documents) kept" + String(format: ", %.2f s", summary.seconds))
        }
    }
}
