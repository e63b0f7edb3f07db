import Foundation
import TokkitCorpus

/// `tokkit select`: relevance selection over a corpus, by a metadata score, by DSIR importance
/// resampling towards target documents, or by a trained quality classifier.
public enum SelectionRun {
    public struct Summary: Sendable {
        public var documents = 0
        public var kept = 0
        public var missingScore = 0
        public var seconds = 0.0
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
