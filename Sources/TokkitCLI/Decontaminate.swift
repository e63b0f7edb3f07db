import ArgumentParser
import Foundation
import Tokkit

struct Decontaminate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decontaminate",
        abstract: "Remove or flag documents that share 13-word n-grams with evaluation sets (GPT-3's test).",
        discussion: """
        tokkit decontaminate train/ --eval evals/*.jsonl -o clean/
        Each --eval file is one benchmark (named by the file). Words are simplify_text words (lowercase, no \
        punctuation, digits as 0), as MinHash uses. <output>/contamination.tsv lists every match: document id, \
        benchmark, item id, word offset and the n-gram.
        """
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var destination: DocumentOutputOptions
    @OptionGroup var workers: RunOptions
    @OptionGroup var resumption: ResumeOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Evaluation files (JSONL with --eval-text-key, or text: one item per line).")
    var eval: [String] = []

    @Option(name: .customLong("eval-text-key"), help: "The JSONL key holding an evaluation item's text.")
    var evalTextKey = "text"

    @Option(name: .customLong("eval-format"), help: "What one evaluation item of an --eval file is.")
    var evalFormat: DocumentKind = .jsonl

    @Option(name: .long, parsing: .unconditional, help: "Words per n-gram.")
    var ngram = 13

    @Option(name: .customLong("min-matches"), parsing: .unconditional, help: "Overlapping n-grams that make a document contaminated.")
    var minMatches = 1

    @Option(name: .long, help: "remove, or flag (keep, with metadata.contamination).")
    var mode: DecontaminationRun.Mode = .remove

    func validate() throws {
        if ngram < 1 { throw ValidationError("--ngram must be at least 1, not \(ngram)") }
        if minMatches < 1 { throw ValidationError("--min-matches must be at least 1, not \(minMatches)") }
    }

    func run() throws {
        var run = DecontaminationRun(input: try input.corpus(), evaluationFiles: eval, outputDirectory: try destination.directory())
        switch evalFormat {
        case .jsonl: run.evaluationFormat = .jsonl(DocumentAdapter(textKey: evalTextKey))
        case .lines: run.evaluationFormat = .text(.lines)
        case .paragraphs: run.evaluationFormat = .text(.paragraphs)
        case .file: run.evaluationFormat = .text(.file)
        }
        run.n = ngram
        run.minMatches = max(1, minMatches)
        run.mode = mode
        run.threads = workers.threads
        let summary = try destination.run(run, resume: resumption.resume)
        let perBenchmark = summary.byBenchmark.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        try workers.summary("decontaminate (\(ngram)-grams, \(summary.evaluationNGrams) evaluation n-grams): \(summary.documents) documents, "
            + "\(summary.contaminated) contaminated (\(perBenchmark.isEmpty ? "none" : perBenchmark)), \(summary.removed) removed"
            + String(format: ", %.2f s", summary.seconds))
    }
}

extension DecontaminationRun.Mode: ArgumentChoice {}
