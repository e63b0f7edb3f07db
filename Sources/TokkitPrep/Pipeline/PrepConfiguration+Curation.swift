import Foundation
import TokkitCorpus
import TokkitText
import Yams

/// One step of a prep run: consecutive per-document stages run together in one pass over the
/// documents, and each corpus-wide stage is a step of its own (it needs every document first).
public enum PrepStep: Sendable {
    case documents([Stage])
    case corpus(any CorpusStage)

    /// The step's name in `steps/NN-<name>/`: the corpus stage's, or `filters` for a pass of per-document stages.
    public var name: String {
        switch self {
        case .documents: return "filters"
        case .corpus(let stage): return stage.name
        }
    }
}

/// The corpus-wide stages a prep configuration may list (dedup, decontamination, selection), each
/// built into the value its `tokkit` subcommand builds from flags, so both routes run one implementation.
///
/// ```yaml
/// stages:
///   - gopher_quality: {min_doc_words: 50}
///   - exact_dedup: {normalize: simplified}
///   - minhash_dedup: {threshold: 0.8, keep: datatrove}
///   - line_dedup: {span_lines: 3, false_positive_rate: 1.0e-6, expected_spans: 1.0e9}
///   - decontaminate: {eval: [evals/], ngram: 13, mode: flag}
///   - score_threshold: {key: score, minimum: 3}
///   - dsir: {target: [target.jsonl], k: 10000, seed: 1}
///   - quality_classifier: {positive: [good.jsonl], negative: [bad.jsonl], threshold: 0.5}
///   - synthetic_requests: {template: textbook.yaml, output: requests.jsonl}   # seeds: the documents here
///   - synthetic_ingest: {outputs: [batch-output.jsonl]}
///   - mix:
///       tokenizer: cl100k_base
///       budget_tokens: 2000000
///       sources:
///         - {name: web, inputs: [web/], weight: 0.6}
///         - {name: code, inputs: ["code/*.jsonl"], weight: 0.2}
///         - {name: synthetic, weight: 0.2}      # no inputs: metadata.source == synthetic
/// ```
///
/// `mix` reads the parameters of a `tokkit mix` file (``MixConfiguration``) plus `by`, the
/// metadata field that names the source of documents no source's `inputs` claim.
extension PrepConfiguration {
    public static let corpusStageNames = ["exact_dedup", "minhash_dedup", "line_dedup", "decontaminate", "score_threshold", "dsir",
                                          "quality_classifier", "synthetic_requests", "synthetic_ingest", "mix"]

    /// Loads the vocabulary a `mix` stage counts tokens with, by the name or path the stage gives
    /// (the `Tokkit` module's `TokenizerLoader`; TokkitPrep does not read vocabulary files itself).
    public typealias TokenizerLoading = @Sendable (String) throws -> Tokenizer

    /// Whether the configuration lists a corpus-wide stage (so it runs as a ``PrepPipeline``).
    public var hasCorpusStages: Bool { stageSpecs?.contains { Self.corpusStageNames.contains($0.name) } ?? false }

    /// The stages grouped into steps, in order. `reading` says how a stage reads the files its
    /// parameters name (`against`, `eval`, `target`, example files): as the pipeline's inputs.
    /// `tokenizers` loads a `mix` stage's vocabulary; without it a `mix` stage is an error.
    public func steps(reading: CorpusInput, tokenizers: TokenizerLoading? = nil) throws -> [PrepStep] {
        guard let specs = stageSpecs else { return [.documents(try stages())] }
        let defaultVersion = preset.flatMap(Preset.init(rawValue:))?.version ?? .current
        var steps: [PrepStep] = []
        var pending: [Stage] = []
        for spec in specs {
            if Self.corpusStageNames.contains(spec.name) {
                if !pending.isEmpty { steps.append(.documents(pending)) }
                pending = []
                steps.append(.corpus(try corpusStage(spec.name, spec.parameters, line: spec.line, reading: reading, tokenizers: tokenizers)))
            } else {
                pending.append(try stage(spec.name, spec.parameters, defaultVersion: defaultVersion))
            }
        }
        if !pending.isEmpty { steps.append(.documents(pending)) }
        return steps
    }

    /// A corpus stage from its parameters. Its input and output are filled in when the pipeline runs it.
    func corpusStage(_ name: String, _ parameters: [Parameter], line: Int, reading: CorpusInput,
                     tokenizers: TokenizerLoading? = nil) throws -> any CorpusStage {
        let unset = CorpusInput(inputs: [])
        func files(_ parameter: Parameter) throws -> CorpusInput {
            CorpusInput(inputs: try Self.strings(parameter), format: reading.format, skipBadLines: reading.skipBadLines, lossy: reading.lossy)
        }
        func invalid(_ message: String) -> PrepError { .invalidConfiguration("line \(line): \(name): \(message)") }
        func atLeast(_ minimum: Int, _ values: KeyValuePairs<String, Int>) throws {
            for (key, value) in values where value < minimum { throw invalid("\(key) must be at least \(minimum), not \(value)") }
        }
        switch name {
        case "exact_dedup":
            var run = ExactDedupRun(input: unset, normalization: .none, outputDirectory: "")
            try Self.configure(&run, parameters, stage: name, [
                "normalize": { $0.normalization = try Self.choice($1, kind: "normalization", ExactDeduplicator.Normalization.self) },
                "against": { $0.reference = try files($1) },
            ])
            return run
        case "minhash_dedup":
            var s = (threshold: Double?.none, permutations: 112, buckets: 14, rows: 8, ngram: 5, seed: 1,
                     keep: MinHashDeduplicator.Keep.first, memoryMB: 1024, scratch: String?.none, clusters: String?.none)
            try Self.configure(&s, parameters, stage: name, [
                "threshold": { $0.threshold = try Self.double($1) },
                "permutations": { $0.permutations = try Self.int($1) },
                "buckets": { $0.buckets = try Self.int($1) },
                "rows": { $0.rows = try Self.int($1) },
                "ngram": { $0.ngram = try Self.int($1) },
                "seed": { $0.seed = try Self.int($1) },
                "keep": { $0.keep = try Self.choice($1, kind: "keep rule", MinHashDeduplicator.Keep.self) },
                "memory_mb": { $0.memoryMB = try Self.int($1) },
                "scratch": { $0.scratch = try Self.string($1) },
                "clusters": { $0.clusters = try Self.string($1) },
            ])
            try atLeast(1, ["permutations": s.permutations, "buckets": s.buckets, "rows": s.rows, "ngram": s.ngram, "memory_mb": s.memoryMB])
            guard let seed = UInt32(exactly: s.seed) else { throw invalid("seed must be in 0…\(UInt32.max), not \(s.seed)") }
            if let threshold = s.threshold, !(threshold > 0 && threshold <= 1) { throw invalid("threshold must be in (0, 1], not \(threshold)") }
            let configuration = try s.threshold.map {
                try MinHashConfiguration(threshold: $0, permutations: s.permutations, shingleWords: s.ngram, seed: seed)
            } ?? MinHashConfiguration(shingleWords: s.ngram, buckets: s.buckets, rowsPerBucket: s.rows, seed: seed)
            var run = MinHashRun(input: unset, options: .init(configuration: configuration, keep: s.keep, memoryBudget: s.memoryMB << 20,
                                                               scratchDirectory: s.scratch), outputDirectory: "")
            run.clustersPath = s.clusters
            return run
        case "line_dedup":
            var s = (configuration: LineDedupConfiguration(), precision: Int?.none, rate: Double?.none, spans: Double?.none)
            try Self.configure(&s, parameters, stage: name, [
                "span_lines": { $0.configuration.spanLines = try Self.int($1) },
                "min_doc_words": { $0.configuration.minDocumentWords = try Self.int($1) },
                "min_sentences": { $0.configuration.minSentences = try Self.int($1) },
                "min_words_to_remove_span": { $0.configuration.minWordsToRemoveSpan = try Self.int($1) },
                "hash": { $0.configuration.hash = try Self.choice($1, kind: "hash", LineDedupConfiguration.HashFunction.self) },
                "split": { $0.configuration.split = try Self.choice($1, kind: "split", LineDedupConfiguration.Split.self) },
                "precision": { $0.precision = try Self.int($1) },
                "false_positive_rate": { $0.rate = try Self.double($1) },
                "expected_spans": { $0.spans = try Self.double($1) },
            ])
            switch (s.precision, s.rate, s.spans) {
            case (nil, let rate?, let spans?): s.configuration.precision = try LineDedupConfiguration.precision(falsePositiveRate: rate, expectedSpans: spans)
            case (_?, _?, _): throw invalid("give precision or false_positive_rate, not both")
            case (_, _?, nil): throw invalid("false_positive_rate needs expected_spans")
            case (let precision, _, _): s.configuration.precision = precision ?? 64
            }
            do { try s.configuration.validate() } catch { throw invalid(error.description) }
            return LineDedupRun(input: unset, configuration: s.configuration, outputDirectory: "")
        case "decontaminate":
            var run = DecontaminationRun(input: unset, evaluationFiles: [], outputDirectory: "")
            var evaluation = (format: "jsonl", textKey: "text")
            try Self.configure(&run, parameters.filter { !["eval_format", "eval_text_key"].contains($0.key) }, stage: name,
                               alsoValid: ["eval_format", "eval_text_key"], [
                "eval": { $0.evaluationFiles = try Self.strings($1) },
                "ngram": { $0.n = try Self.int($1) },
                "min_matches": { $0.minMatches = try Self.int($1) },
                "mode": { $0.mode = try Self.choice($1, kind: "decontamination mode", DecontaminationRun.Mode.self) },
            ])
            try Self.configure(&evaluation, parameters.filter { ["eval_format", "eval_text_key"].contains($0.key) }, stage: name, [
                "eval_format": { $0.format = try Self.string($1) },
                "eval_text_key": { $0.textKey = try Self.string($1) },
            ])
            if evaluation.format == "jsonl" {
                run.evaluationFormat = .jsonl(DocumentAdapter(textKey: evaluation.textKey))
            } else if let split = DocumentSplit(rawValue: evaluation.format) {
                run.evaluationFormat = .text(split)
            } else {
                throw PrepError.unknownName(kind: "eval_format", name: evaluation.format, line: line, valid: ["jsonl"] + DocumentSplit.allCases.map(\.rawValue))
            }
            guard !run.evaluationFiles.isEmpty else { throw invalid("give the evaluation files: eval: [FILE…]") }
            try atLeast(1, ["ngram": run.n, "min_matches": run.minMatches])
            return run
        case "score_threshold":
            var run = ScoreSelectionRun(input: unset, outputDirectory: "")
            try Self.configure(&run, parameters, stage: name, [
                "key": { $0.rule.key = try Self.string($1) },
                "minimum": { $0.rule.minimum = try Self.int($1) },
                "keep_missing": { $0.rule.keepMissing = try Self.bool($1) },
            ])
            return run
        case "dsir":
            var run = DSIRSelectionRun(input: unset, target: unset, count: -1, outputDirectory: "")
            try Self.configure(&run, parameters, stage: name, [
                "target": { $0.target = try files($1) },
                "k": { $0.count = try Self.int($1) },
                "top_k": { $0.topK = try Self.bool($1) },
                "seed": { $0.seed = UInt32(truncatingIfNeeded: try Self.int($1)) },
                "min_length": { $0.minLength = try Self.int($1) },
                "buckets": { $0.buckets = try Self.int($1) },
            ])
            guard !run.target.inputs.isEmpty else { throw invalid("give the target documents: target: [FILE…]") }
            guard run.count >= 0 else { throw invalid("give k, the number of documents to select (at least 0)") }
            try atLeast(0, ["min_length": run.minLength])
            try atLeast(1, ["buckets": run.buckets])
            return run
        case "quality_classifier":
            var s = (positive: CorpusInput?.none, negative: CorpusInput?.none, model: String?.none, save: String?.none,
                     threshold: Double?.none, alpha: Double?.none, seed: 0, buckets: 1 << 18, epochs: 8)
            try Self.configure(&s, parameters, stage: name, [
                "positive": { $0.positive = try files($1) },
                "negative": { $0.negative = try files($1) },
                "model": { $0.model = try Self.string($1) },
                "save_model": { $0.save = try Self.string($1) },
                "threshold": { $0.threshold = try Self.double($1) },
                "pareto_alpha": { $0.alpha = try Self.double($1) },
                "seed": { $0.seed = try Self.int($1) },
                "buckets": { $0.buckets = try Self.int($1) },
                "epochs": { $0.epochs = try Self.int($1) },
            ])
            try atLeast(1, ["buckets": s.buckets, "epochs": s.epochs])
            let seed = UInt64(truncatingIfNeeded: s.seed)
            let source: ClassifierSelectionRun.Source
            switch (s.model, s.positive, s.negative) {
            case (let model?, nil, nil): source = .model(path: model)
            case (nil, let positive?, let negative?): source = .train(positive: positive, negative: negative, buckets: s.buckets, epochs: s.epochs, saveTo: s.save)
            default: throw invalid("give model, or positive and negative example files")
            }
            let rule: SelectionRun.ClassifierRule
            switch (s.threshold, s.alpha) {
            case (let threshold?, nil):
                guard threshold.isFinite else { throw invalid("threshold must be a finite number") }
                rule = .threshold(threshold)
            case (nil, let alpha?):
                guard alpha > 0, alpha.isFinite else { throw invalid("pareto_alpha must be a positive number, not \(alpha)") }
                rule = .pareto(alpha: alpha, seed: seed)
            case (nil, nil): rule = .threshold(0.5)
            default: throw invalid("give threshold or pareto_alpha, not both")
            }
            var run = ClassifierSelectionRun(input: unset, source: source, rule: rule, outputDirectory: "")
            run.seed = seed
            return run
        case "synthetic_requests":
            var paths = (template: String?.none, output: String?.none)
            try Self.configure(&paths, parameters, stage: name, [
                "template": { $0.template = try Self.string($1) },
                "output": { $0.output = try Self.string($1) },
            ])
            guard let templatePath = paths.template, let output = paths.output else {
                throw invalid("give the template and the request file to write: {template: FILE.yaml, output: FILE.jsonl}")
            }
            let template = try SyntheticTemplate.load(path: templatePath)
            guard template.seedsPath == nil else {
                throw invalid("\(templatePath) names a seeds file; in a pipeline the seeds are the documents reaching this stage: remove `seeds`")
            }
            return SyntheticRequests(template: template, requestFile: output)
        case "synthetic_ingest":
            var run = SyntheticIngest(batchOutputs: [], outputDirectory: "")
            try Self.configure(&run, parameters, stage: name, ["outputs": { $0.batchOutputs = try Self.strings($1) }])
            guard !run.batchOutputs.isEmpty else { throw invalid("give the OpenAI batch output files: outputs: [FILE…]") }
            return run
        case "mix":
            let configuration = try MixConfiguration.stage(parameters, line: line)
            guard let tokenizers else { throw invalid("this caller cannot load vocabularies to count tokens; run it with `tokkit prep`") }
            let tokenizer: Tokenizer
            do { tokenizer = try tokenizers(configuration.tokenizer) } catch {
                throw invalid("cannot load the tokenizer \(configuration.tokenizer.debugDescription): \(error)")
            }
            var run = configuration.run(outputDirectory: "", tokenizer: tokenizer)
            run.layout = .stream
            return run
        default:
            throw PrepError.unknownName(kind: "stage", name: name, line: line, valid: Stage.names + Self.corpusStageNames)
        }
    }

    /// A list of paths, or one path.
    static func strings(_ parameter: Parameter) throws -> [String] {
        if let single = parameter.value.string { return [single] }
        guard let items = parameter.value.sequence, let paths = Optional(items.compactMap(\.string)), paths.count == items.count else {
            throw PrepError.invalidConfiguration("line \(parameter.line): \(parameter.key) must be a path or a list of paths")
        }
        return paths
    }
}
