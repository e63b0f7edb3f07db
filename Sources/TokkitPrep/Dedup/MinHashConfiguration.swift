import Foundation

/// MinHash LSH parameters, datatrove's `MinhashConfig` with FineWeb's hash (reference §5.2):
/// 5-word shingles of `simplify_text`, SHA-1 64-bit shingle hashes, 14 buckets × 8 hashes, seed 1.
public struct MinHashConfiguration: Sendable, Equatable {
    /// Words per shingle (`n_grams`).
    public var shingleWords: Int
    /// Bands (`num_buckets`).
    public var buckets: Int
    /// Rows per band (`hashes_per_bucket`).
    public var rowsPerBucket: Int
    /// numpy `RandomState` seed of the permutations.
    public var seed: UInt32

    /// FineWeb's settings: 5-grams, 14 × 8, seed 1.
    public static let fineWeb = MinHashConfiguration(shingleWords: 5, buckets: 14, rowsPerBucket: 8, seed: 1)

    public init(shingleWords: Int = 5, buckets: Int = 14, rowsPerBucket: Int = 8, seed: UInt32 = 1) {
        self.shingleWords = shingleWords
        self.buckets = buckets
        self.rowsPerBucket = rowsPerBucket
        self.seed = seed
    }

    /// Bands and rows from a Jaccard threshold, as datasketch's `MinHashLSH` chooses them (reference §5.3).
    public init(threshold: Double, permutations: Int = 112, falsePositiveWeight: Double = 0.5,
                shingleWords: Int = 5, seed: UInt32 = 1) throws {
        let (bands, rows) = try LSHParameters.optimal(threshold: threshold, permutations: permutations,
                                                      falsePositiveWeight: falsePositiveWeight)
        self.init(shingleWords: shingleWords, buckets: bands, rowsPerBucket: rows, seed: seed)
    }

    /// Hash functions in the signature.
    public var hashCount: Int { buckets * rowsPerBucket }

    /// Checks the parameters a user can get wrong.
    public func validate() throws {
        guard shingleWords >= 1 else { throw DedupError.invalidParameter("shingle words must be ≥ 1, got \(shingleWords)") }
        guard buckets >= 1, rowsPerBucket >= 1 else {
            throw DedupError.invalidParameter("buckets and rows per bucket must be ≥ 1, got \(buckets) × \(rowsPerBucket)")
        }
    }

    /// The probability that two documents of Jaccard similarity `s` share at least one band:
    /// `1 − (1 − s^r)^b` (0.924 at s = 0.8 for 14 × 8).
    public func candidateProbability(similarity s: Double) -> Double {
        1 - pow(1 - pow(s, Double(rowsPerBucket)), Double(buckets))
    }
}
