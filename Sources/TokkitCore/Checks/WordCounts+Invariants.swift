extension WordCounts {
    /// The first broken invariant, or `nil`: every entry is found from its hash slot with its own
    /// count, no two entries hold the same bytes, and the total is the sum of the counts.
    ///
    /// - Complexity: O(total bytes of the distinct pieces): run only under `InternalChecks`.
    func firstInvariantViolation() -> String? {
        var sum: UInt64 = 0
        for (index, entry) in entries.enumerated() {
            sum &+= entry.count
            let piece = Array(arena[entry.offset..<(entry.offset + entry.length)])
            guard count(of: piece) == entry.count else { return "entry \(index) is not found from its slot" }
        }
        guard sum == totalCount else { return "the counts sum to \(sum), the table records \(totalCount)" }
        guard slots.lazy.filter({ $0 != 0 }).count == entries.count else { return "slots and entries disagree in number" }
        return nil
    }
}
