import ArgumentParser
import Foundation
import Tokkit

struct Decontaminate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove or flag documents that share 13-word n-grams with evaluation sets (GPT-3's test).",
        discussion: """
        tokkit decontaminate train/ --eval evals/*.jsonl -o clean/
        Each --eval file is one benchmark (named by the file). Words are simplify_text words (lowercase, no \
        punctuation, digits as 0), as MinHash uses. <output>/contamination.tsv lists every match: document id, \
        benchmark, item id, word offset and the n-gram.
        """
    )

    @OptionGroup var io: CurationInputOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Evaluation files (JSONL with --eval-text-key, or text: one item per line).")
    var eval: [String] = []

    @Option(name: .customLong("eval-text-key"), help: "The JSONL key holding an evaluation item's text.")
    var evalTextKey = "text"

    @Option(name: .customLong("eval-format"), help: "Evaluation file format: jsonl | lines | paragraphs | file.")
    var evalFormat = "jsonl"

    @Option(name: .long, help: "Words per n-gram.")
    var ngram = 13

    @Option(name: .customLong("min-matches"), help: "Overlapping n-grams that make a document contaminated.")
    var minMatches = 1

    @Option(name: .long, help: "remove | flag (keep, with metadata.contamination).")
    var mode = "remove"

    func run() throws {
        guard let runMode = DecontaminationRun.Mode(rawValue: mode) else {
            throw ValidationError("unknown --mode \(mode.debugDescription); valid: remove, flag")
        }
        var run = DecontaminationRun(input: try io.corpus(), evaluationFiles: eval, outputDirectory: io.output)
        switch evalFormat {
        case "jsonl": run.evaluationFormat = .jsonl(DocumentAdapter(textKey: evalTextKey))
        case let split:
            guard let text = DocumentSplit(rawValue: split) else {
                throw ValidationError("unknown --eval-format \(split.debugDescription); valid: jsonl, lines, paragraphs, file")
            }
            run.evaluationFormat = .text(text)
        }
        run.n = ngram
        run.minMatches = max(1, minMatches)
        run.mode = runMode
        run.compression = try io.outputCompression()
        run.writeRemoved = io.removed
        run.threads = max(1, io.threads)
        run.resume = io.resume
        let summary = try run.run()
        let perBenchmark = summary.byBenchmark.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        try log("decontaminate (\(ngram)-grams, \(summary.evaluationNGrams) evaluation n-grams): \(summary.documents) documents, "
            + "\(summary.contaminated) contaminated (\(perBenchmark.isEmpty ? "none" : perBenchmark)), \(summary.removed) removed"
            + String(format: ", %.2f s", summary.seconds))
    }
}
