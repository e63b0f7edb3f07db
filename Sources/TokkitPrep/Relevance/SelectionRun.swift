import Foundation
import TokkitCorpus
import TokkitIO

/// `tokkit select`: relevance selection over a corpus, by a metadata score, by DSIR importance
/// resampling towards target documents, or by a trained quality classifier.
public enum SelectionRun {
    public struct Summary: Sendable {
        public var documents = 0
        public var kept = 0
        public var missingScore = 0
        public var seconds = 0.0
        public var flow = CurationFlow()
    }

    /// FineWeb-Edu's rule on a score in metadata; `metadata.int_score` is added to kept documents.
    public static func threshold(input: CorpusInput, rule: ScoreThreshold, output: CuratedOutput) throws -> Summary {
        let start = Date()
        var summary = Summary()
        try input.forEachBatch { fileIndex, documents in
            for var document in documents {
                summary.documents += 1
                var keep: Bool
                switch rule.decide(document) {
                case .keep(let score): keep = true; document.metadata["int_score"] = .integer(score)
                case .drop(let score): keep = false; document.metadata["int_score"] = .integer(score)
                case .missing: keep = rule.keepMissing; summary.missingScore += 1
                }
                if keep { summary.kept += 1 }
                try output.write(document, fileIndex: fileIndex, keep: keep)
            }
        }
        try output.finish(fileCount: try input.files().count)
        summary.seconds = Date().timeIntervalSince(start)
        summary.flow = output.flow
        return summary
    }

    /// DSIR: fit on the inputs (raw) and the target documents, weigh every input document, keep
    /// `count` of them (top-k, or Gumbel top-k with `seed`); kept documents get `metadata.dsir_log_weight`.
    public static func dsir(input: CorpusInput, target: CorpusInput, count: Int, selection: DSIRSelector.Selection,
                            minLength: Int, features: HashedNGramFeatures, output: CuratedOutput) throws -> Summary {
        let start = Date()
        var rawCounts = [Int](repeating: 0, count: features.buckets), targetCounts = rawCounts
        try input.forEachBatch { _, documents in for document in documents { features.accumulate(document.text, into: &rawCounts) } }
        try target.forEachBatch { _, documents in for document in documents { features.accumulate(document.text, into: &targetCounts) } }
        let selector = try DSIRSelector(features: features, rawCounts: rawCounts, targetCounts: targetCounts)
        var weights: [Double] = []
        var lengths: [Int] = []
        try input.forEachBatch { _, documents in
            let measured = parallelMap(documents) { selector.weight($0.text) }
            weights += measured.map(\.logWeight)
            lengths += measured.map(\.length)
        }
        var chosen = [Bool](repeating: false, count: weights.count)
        for index in DSIRSelector.select(logWeights: weights, lengths: lengths, minLength: minLength, count: count, selection: selection) {
            chosen[index] = true
        }
        var summary = Summary()
        var index = 0
        try input.forEachBatch { fileIndex, documents in
            for var document in documents {
                guard index < weights.count else { throw PrepError.invalidConfiguration("the inputs changed between reads") }
                if chosen[index] { document.metadata["dsir_log_weight"] = .double(weights[index]); summary.kept += 1 }
                try output.write(document, fileIndex: fileIndex, keep: chosen[index])
                index += 1
                summary.documents += 1
            }
        }
        try output.finish(fileCount: try input.files().count)
        summary.seconds = Date().timeIntervalSince(start)
        summary.flow = output.flow
        return summary
    }

    /// How a classifier score decides.
    public enum ClassifierRule: Sendable {
        case threshold(Double)
        /// GPT-3: keep when `pareto(α) > 1 − score` (deterministic draw per document id).
        case pareto(alpha: Double, seed: UInt64)
    }

    /// Scores every document with `classifier` into `metadata.quality_score` and keeps by `rule`.
    public static func classify(input: CorpusInput, classifier: QualityClassifier, rule: ClassifierRule, output: CuratedOutput) throws -> Summary {
        let start = Date()
        var summary = Summary()
        try input.forEachBatch { fileIndex, documents in
            let scores = parallelMap(documents) { classifier.score($0.text) }
            for (var document, score) in zip(documents, scores) {
                summary.documents += 1
                document.metadata["quality_score"] = .double(score)
                let keep: Bool
                switch rule {
                case .threshold(let minimum): keep = score >= minimum
                case .pareto(let alpha, let seed): keep = QualityClassifier.paretoKeeps(score: score, alpha: alpha, seed: seed, id: document.id)
                }
                if keep { summary.kept += 1 }
                try output.write(document, fileIndex: fileIndex, keep: keep)
            }
        }
        try output.finish(fileCount: try input.files().count)
        summary.seconds = Date().timeIntervalSince(start)
        summary.flow = output.flow
        return summary
    }

    /// Texts of all documents of some inputs (training examples are small by nature).
    public static func texts(_ input: CorpusInput) throws -> [String] {
        var texts: [String] = []
        try input.forEachBatch { _, documents in texts += documents.map(\.text) }
        return texts
    }

    static func parallelMap<T: Sendable>(_ documents: [Document], _ body: @Sendable (Document) -> T) -> [T] {
        var out = [T?](repeating: nil, count: documents.count)
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, max(1, documents.count / 32))
        out.withUnsafeMutableBufferPointer { buffer in
            // Each worker writes only its own contiguous slice.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in (documents.count * worker / workers)..<(documents.count * (worker + 1) / workers) { slots[index] = body(documents[index]) }
            }
        }
        return out.compactMap { $0 }
    }
}

/// `tokkit select score` and the prep stage `score_threshold`: ``SelectionRun/threshold(input:rule:output:)``
/// into its own resumable output.
public struct ScoreSelectionRun: CorpusStage {
    public var input: CorpusInput
    public var rule: ScoreThreshold
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var writeRemoved = false
    /// Unused: deciding is a metadata look-up, cheaper than reading.
    public var threads = 1
    public var resume = false

    public var name: String { "score_threshold" }

    public init(input: CorpusInput, rule: ScoreThreshold = ScoreThreshold(), outputDirectory: String) {
        self.input = input
        self.rule = rule
        self.outputDirectory = outputDirectory
    }

    public func run() throws -> SelectionRun.Summary {
        let output = try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "select score",
                                                 settings: ["key \(rule.key) minimum \(rule.minimum) keep_missing \(rule.keepMissing)"],
                                                 compression: compression, writeRemoved: writeRemoved, resume: resume)
        return try SelectionRun.threshold(input: input, rule: rule, output: output)
    }

    /// Removed documents count as `below_minimum`, or `no_score` when they had none.
    public func runStage() throws -> StageStatistics {
        let summary = try run()
        let missingRemoved = rule.keepMissing ? 0 : summary.missingScore
        let removed = summary.flow.documentsIn - summary.flow.documentsOut
        return summary.flow.statistics(name: name, seconds: summary.seconds, reason: "below_minimum",
                                       drops: [("below_minimum", removed - missingRemoved), ("no_score", missingRemoved)],
                                       counters: [("kept_without_score", rule.keepMissing ? summary.missingScore : 0)])
    }
}

/// `tokkit select dsir` and the prep stage `dsir`: ``SelectionRun/dsir(input:target:count:selection:minLength:features:output:)``
/// into its own resumable output.
public struct DSIRSelectionRun: CorpusStage {
    public var input: CorpusInput
    /// The documents whose distribution to select towards.
    public var target: CorpusInput
    /// Documents to select.
    public var count: Int
    /// Deterministic top-k by weight (no noise) instead of Gumbel top-k with `seed`.
    public var topK = false
    public var seed: UInt32 = 0
    /// data-selection's `min_example_length` (words).
    public var minLength = 100
    public var buckets = 10_000
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var writeRemoved = false
    /// Unused: weighing runs on every core (``SelectionRun/parallelMap(_:_:)``).
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var resume = false

    public var name: String { "dsir" }

    public init(input: CorpusInput, target: CorpusInput, count: Int, outputDirectory: String) {
        self.input = input
        self.target = target
        self.count = count
        self.outputDirectory = outputDirectory
    }

    public func run() throws -> SelectionRun.Summary {
        guard count >= 0 else { throw PrepError.invalidConfiguration("dsir: the count of documents to select must be at least 0, not \(count)") }
        let output = try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "select dsir", settings: [
            "k \(count) top_k \(topK) seed \(seed) min_length \(minLength) buckets \(buckets)",
            CuratedOutput.fingerprint(stage: "target", settings: [], inputs: try target.files())],
            compression: compression, writeRemoved: writeRemoved, resume: resume)
        return try SelectionRun.dsir(input: input, target: target, count: count, selection: topK ? .topK : .gumbel(seed: seed),
                                     minLength: minLength, features: try HashedNGramFeatures(n: 2, buckets: buckets), output: output)
    }

    public func runStage() throws -> StageStatistics {
        let summary = try run()
        return summary.flow.statistics(name: name, seconds: summary.seconds, reason: "not_selected")
    }
}

/// `tokkit select classifier` and the prep stage `quality_classifier`: a classifier loaded or
/// trained from example files, then ``SelectionRun/classify(input:classifier:rule:output:)`` into
/// its own resumable output.
public struct ClassifierSelectionRun: CorpusStage {
    /// Where the classifier comes from.
    public enum Source: Sendable {
        /// A classifier saved by an earlier run.
        case model(path: String)
        /// Trained on these examples (hashed word 1–2-grams in `buckets` buckets, `epochs` passes),
        /// and saved to `saveTo` when given.
        case train(positive: CorpusInput, negative: CorpusInput, buckets: Int, epochs: Int, saveTo: String?)
    }

    public var input: CorpusInput
    public var source: Source
    public var rule: SelectionRun.ClassifierRule
    /// Seed of the training order (the Pareto rule has its own).
    public var seed: UInt64 = 0
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var writeRemoved = false
    /// Unused: scoring runs on every core (``SelectionRun/parallelMap(_:_:)``).
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var resume = false

    public var name: String { "quality_classifier" }

    public init(input: CorpusInput, source: Source, rule: SelectionRun.ClassifierRule = .threshold(0.5), outputDirectory: String) {
        self.input = input
        self.source = source
        self.rule = rule
        self.outputDirectory = outputDirectory
    }

    /// The classifier: loaded, or trained (and saved when asked).
    public func classifier() throws -> QualityClassifier {
        switch source {
        case .model(let path):
            return try QualityClassifier.load(path: path)
        case .train(let positive, let negative, let buckets, let epochs, let saveTo):
            let classifier = try QualityClassifier.train(positive: SelectionRun.texts(positive), negative: SelectionRun.texts(negative),
                                                         features: try HashedNGramFeatures(n: 2, buckets: buckets), epochs: epochs, seed: seed)
            if let saveTo { try AtomicFile.write(classifier.json, to: saveTo) }
            return classifier
        }
    }

    public func run() throws -> SelectionRun.Summary {
        let classifier = try classifier()
        let ruleSetting: String
        switch rule {
        case .threshold(let minimum): ruleSetting = "threshold \(minimum)"
        case .pareto(let alpha, let paretoSeed): ruleSetting = "pareto \(alpha) seed \(paretoSeed)"
        }
        let output = try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "select classifier", settings: [
            ruleSetting, "model sha256 \(SHA256.hex(classifier.json))"], compression: compression, writeRemoved: writeRemoved, resume: resume)
        return try SelectionRun.classify(input: input, classifier: classifier, rule: rule, output: output)
    }

    public func runStage() throws -> StageStatistics {
        let summary = try run()
        return summary.flow.statistics(name: name, seconds: summary.seconds, reason: "low_quality")
    }
}
