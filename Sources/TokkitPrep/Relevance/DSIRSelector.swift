import Foundation

/// DSIR importance resampling (Xie et al. 2023) with the `data-selection` package's arithmetic:
/// bag-of-hashed-n-gram distributions of the raw and target corpora, per-document log-importance
/// weights `Σ counts · (log(p_target + 1e-8) − log(p_raw + 1e-8))`, documents shorter than
/// `minLength` words excluded, then the top k by weight or by weight + Gumbel noise (sampling
/// without replacement in proportion to the importance weights).
///
/// The Gumbel noise is numpy's `np.random.gumbel` after `np.random.seed(seed)`, draw for draw, so a
/// seeded selection equals the package's (run with `num_proc=1`: with more processes it concatenates
/// its virtual shards in another order before drawing).
public struct DSIRSelector: Sendable {
    public let features: HashedNGramFeatures
    /// `log(p_target + 1e-8) − log(p_raw + 1e-8)` per bucket.
    public let logRatio: [Double]

    /// From the bucket counts of the raw and the target corpus (`HashedNGramFeatures.accumulate`).
    public init(features: HashedNGramFeatures, rawCounts: [Int], targetCounts: [Int]) throws {
        let rawTotal = Double(rawCounts.reduce(0, +)), targetTotal = Double(targetCounts.reduce(0, +))
        guard rawTotal > 0, targetTotal > 0 else {
            throw DedupError.invalidParameter("DSIR needs words in both the raw and the target documents (raw \(Int(rawTotal)), target \(Int(targetTotal)) n-grams)")
        }
        self.features = features
        logRatio = zip(targetCounts, rawCounts).map { target, raw in
            log(Double(target) / targetTotal + 1e-8) - log(Double(raw) / rawTotal + 1e-8)
        }
    }

    /// The log-importance weight of one document, and its length in words as data-selection measures
    /// it (`(Σ counts + n(n−1)/2) // n`).
    public func weight(_ text: String) -> (logWeight: Double, length: Int) {
        let counts = features.sparse(text)
        var weight = 0.0
        var total = 0
        for (bucket, count) in counts {
            weight += Double(count) * logRatio[bucket]
            total += count
        }
        let n = Double(features.n)
        return (weight, Int(((Double(total) + n * (n - 1) / 2) / n).rounded(.down)))
    }

    /// How to choose among eligible documents.
    public enum Selection: Sendable, Equatable {
        /// The k largest weights.
        case topK
        /// The k largest of weight + Gumbel(0, 1) noise from numpy's `RandomState(seed)`.
        case gumbel(seed: UInt32)
    }

    /// The chosen document indices, ascending. Documents with `length < minLength` are never chosen.
    public static func select(logWeights: [Double], lengths: [Int], minLength: Int, count: Int, selection: Selection) -> [Int] {
        let eligible = logWeights.indices.filter { lengths[$0] >= minLength }
        var keys = eligible.map { logWeights[$0] }
        if case .gumbel(let seed) = selection {
            var random = NumpyRandomState(seed: seed)
            for index in keys.indices { keys[index] += random.gumbel() }
        }
        let order = keys.indices.sorted { keys[$0] > keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
        return order.prefix(count).map { eligible[$0] }.sorted()
    }
}
