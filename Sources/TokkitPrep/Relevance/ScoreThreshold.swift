import Foundation
import TokkitCorpus

/// Keeps documents by a score already in their metadata — FineWeb-Edu's rule by default:
/// `int_score = int(round(max(0, min(score, 5))))`, keep when `int_score >= 3`.
///
/// Python's `round` rounds halves to even (2.5 → 2, 3.5 → 4), and so does this. A document without
/// the score (or with a non-number) is not kept unless `keepMissing`, and is counted apart.
public struct ScoreThreshold: Sendable {
    public var key: String
    public var minimum: Int
    public var clip: ClosedRange<Double>
    public var keepMissing: Bool

    public init(key: String = "score", minimum: Int = 3, clip: ClosedRange<Double> = 0...5, keepMissing: Bool = false) {
        self.key = key
        self.minimum = minimum
        self.clip = clip
        self.keepMissing = keepMissing
    }

    /// FineWeb-Edu's `int_score` of a raw score.
    public func integerScore(_ score: Double) -> Int {
        Int(min(max(score, clip.lowerBound), clip.upperBound).rounded(.toNearestOrEven))
    }

    public enum Decision: Sendable, Equatable {
        case keep(Int)
        case drop(Int)
        case missing
    }

    public func decide(_ document: Document) -> Decision {
        guard let score = document.metadata[key]?.doubleValue, score.isFinite else { return .missing }
        let integer = integerScore(score)
        return integer >= minimum ? .keep(integer) : .drop(integer)
    }
}
