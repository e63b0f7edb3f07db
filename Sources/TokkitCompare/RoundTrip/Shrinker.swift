/// Shrinks a failing input to a small one that still fails: delta debugging by removal.
public enum Shrinker {
    /// A sub-sequence of `input` for which `stillFails` holds and from which no single element can
    /// be removed without it passing (1-minimal), found by removing chunks of halving size.
    ///
    /// ```swift
    /// Shrinker.minimize(Array("xxaxxbxx")) { $0.contains("a") && $0.contains("b") }   // ["a", "b"]
    /// ```
    ///
    /// - Precondition: `stillFails(input)` (the caller has seen it fail).
    /// - Complexity: O(n log n) calls of `stillFails` in the usual case, O(n²) at worst.
    public static func minimize<Element>(_ input: [Element], stillFails: ([Element]) -> Bool) -> [Element] {
        var current = input
        var chunk = max(1, current.count / 2)
        while !current.isEmpty {
            var removedAny = false
            var start = 0
            while start < current.count {
                let end = min(current.count, start + chunk)
                var candidate = current
                candidate.removeSubrange(start..<end)
                if stillFails(candidate) {
                    current = candidate
                    removedAny = true
                } else {
                    start = end
                }
            }
            if chunk == 1 && !removedAny { break }
            // After a successful sweep the same size may remove more; otherwise try finer chunks.
            chunk = removedAny ? min(chunk, max(1, current.count / 2)) : max(1, chunk / 2)
        }
        return current
    }
}
