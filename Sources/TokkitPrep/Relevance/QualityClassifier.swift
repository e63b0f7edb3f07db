import Foundation
import TokkitCore
import TokkitCorpus
import TokkitIO

/// A quality classifier in the manner of GPT-3's (Brown et al. 2020, appendix A): logistic
/// regression on hashed word n-gram features, trained to tell positive examples (curated text) from
/// negative ones (raw crawl), then used to score documents. No model is downloaded: it trains from
/// two example files in seconds and saves as JSON.
///
/// Features: the counts of `HashedNGramFeatures` (lowercase WordPunct words, unigrams and bigrams,
/// SHA-256 buckets), scaled by 1 / (number of n-grams) so long and short documents weigh alike.
/// Training: full-batch-free SGD, documents in a seeded order each epoch, L2 regularisation: the same
/// inputs and seed give the same weights on any machine.
public struct QualityClassifier: Sendable {
    public let features: HashedNGramFeatures
    public private(set) var weights: [Double]
    public private(set) var bias: Double

    public init(features: HashedNGramFeatures, weights: [Double], bias: Double) throws {
        guard weights.count == features.buckets else {
            throw DedupError.invalidParameter("classifier has \(weights.count) weights for \(features.buckets) buckets")
        }
        self.features = features
        self.weights = weights
        self.bias = bias
    }

    /// Trains on positive (label 1) and negative (label 0) example texts.
    public static func train(positive: [String], negative: [String], features: HashedNGramFeatures, epochs: Int = 8,
                             learningRate: Double = 0.5, l2: Double = 1e-6, seed: UInt64 = 0) throws -> QualityClassifier {
        guard !positive.isEmpty, !negative.isEmpty else {
            throw DedupError.invalidParameter("training needs positive and negative examples (\(positive.count) and \(negative.count))")
        }
        let examples = (positive.map { (features.sparse($0), 1.0) } + negative.map { (features.sparse($0), 0.0) })
            .map { sparse, label in (normalized(sparse), label) }
        var classifier = try QualityClassifier(features: features, weights: Array(repeating: 0, count: features.buckets), bias: 0)
        var order = Array(examples.indices)
        var random = SplitMix64(seed: seed)
        for epoch in 0..<max(1, epochs) {
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(index, Int(random.next() % UInt64(index + 1)))
            }
            let rate = learningRate / (1 + Double(epoch))
            for index in order {
                let (sparse, label) = examples[index]
                let error = classifier.probability(sparse) - label
                for (bucket, value) in sparse {
                    classifier.weights[bucket] -= rate * (error * value + l2 * classifier.weights[bucket])
                }
                classifier.bias -= rate * error
            }
        }
        return classifier
    }

    /// The probability that `text` is like the positive examples.
    public func score(_ text: String) -> Double { probability(Self.normalized(features.sparse(text))) }

    private func probability(_ sparse: [(Int, Double)]) -> Double {
        var z = bias
        for (bucket, value) in sparse { z += weights[bucket] * value }
        return 1 / (1 + exp(-z))
    }

    private static func normalized(_ sparse: [(bucket: Int, count: Int)]) -> [(Int, Double)] {
        let total = Double(max(1, sparse.reduce(0) { $0 + $1.count }))
        return sparse.map { ($0.bucket, Double($0.count) / total) }
    }

    /// GPT-3's Pareto rule: keep when `pareto(α) > 1 − score`, with the Pareto (Lomax) draw
    /// `(1 − u)^(−1/α) − 1` from a uniform `u` that depends only on the seed and the document id.
    public static func paretoKeeps(score: Double, alpha: Double, seed: UInt64, id: String) -> Bool {
        let u = MixRun.draw(seed: seed, source: "pareto", id: id)
        return pow(1 - u, -1 / alpha) - 1 > 1 - score
    }

    /// The model as JSON: `{"n", "buckets", "bias", "weights"}`.
    public var json: [UInt8] {
        var out = JSONWriter.bytes(.object(JSONObject([("n", .integer(features.n)), ("buckets", .integer(features.buckets)),
                                                       ("bias", .double(bias)), ("weights", .array(weights.map { .double($0) }))])))
        out.append(0x0A)
        return out
    }

    public static func load(path: String) throws -> QualityClassifier {
        guard let data = FileManager.default.contents(atPath: path) else { throw PrepError.invalidConfiguration("\(path): cannot read the classifier") }
        guard case .object(let root) = try JSONParser.parse(Array(data.prefix { $0 != 0x0A })),
              let n = root["n"]?.doubleValue, let buckets = root["buckets"]?.doubleValue, let bias = root["bias"]?.doubleValue,
              case .array(let values)? = root["weights"] else {
            throw PrepError.invalidConfiguration("\(path): not a Tokkit quality classifier (expected n, buckets, bias, weights)")
        }
        return try QualityClassifier(features: HashedNGramFeatures(n: Int(n), buckets: Int(buckets)),
                                     weights: values.map { $0.doubleValue ?? 0 }, bias: bias)
    }
}
