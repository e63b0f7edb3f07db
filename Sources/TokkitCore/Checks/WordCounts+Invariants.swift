extension WordCounts {
    /// The first broken invariant, or `nil`: every piece is found from its hash slot, no two pieces
    /// hold the same bytes, there is one count per piece, and the total is the sum of the counts.
    ///
    /// - Complexity: O(total bytes of the distinct pieces): run only under `InternalChecks`.
    func firstInvariantViolation() -> String? {
        guard counts.count == pieces.count else { return "\(counts.count) counts for \(pieces.count) pieces" }
        var sum: UInt64 = 0
        var violation: String?
        pieces.forEach { index, piece in
            sum &+= counts[index]
            if violation == nil, pieces.index(of: Array(piece)) != index { violation = "piece \(index) is not found from its slot" }
        }
        if let violation { return violation }
        guard sum == totalCount else { return "the counts sum to \(sum), the table records \(totalCount)" }
        return nil
    }
}
