extension MergeEngine {
    /// The first broken invariant, or `nil`: every pair count equals a recount over the words, every
    /// word that holds a pair is listed in the pair's occurrence segment, `liveOccurrences` is the sum
    /// of the live segments, and the per-merge scratch is empty between merges.
    ///
    /// - Complexity: O(symbols + table capacity + occurrences): run only under `InternalChecks`.
    func firstInvariantViolation() -> String? {
        var expected: [UInt64: UInt64] = [:]
        var holders: [UInt64: Set<UInt32>] = [:]
        for word in 0..<words.count {
            let record = words[word]
            let start = Int(record.start)
            for index in start..<(start + Int(record.length) - 1) where record.length >= 2 {
                let left = symbols[index], right = symbols[index + 1]
                guard tokens.lengths[Int(left)] &+ tokens.lengths[Int(right)] <= maxTokenLength else { continue }
                let key = UInt64(left) << 32 | UInt64(right)
                expected[key, default: 0] &+= record.count
                holders[key, default: []].insert(UInt32(word))
            }
        }
        var live = 0
        var seen = 0
        for slot in 0..<pairs.capacity where pairs.keys[slot] != PairTable.emptyKey {
            let key = pairs.keys[slot]
            seen += 1
            let stored = pairs.counts[slot]
            guard stored == expected[key, default: 0] else {
                return "pair \(key >> 32),\(key & 0xFFFF_FFFF) has count \(stored), the words give \(expected[key, default: 0])"
            }
            let start = Int(pairs.occurrenceStart[slot]), length = Int(pairs.occurrenceLength[slot])
            live += length
            var listed = Set<UInt32>()
            for offset in 0..<length { listed.insert(occurrences[start + offset]) }
            if let missing = holders[key, default: []].subtracting(listed).first {
                return "word \(missing) holds pair \(key >> 32),\(key & 0xFFFF_FFFF) but is not in its occurrence list"
            }
        }
        let counted = expected.values.filter { $0 > 0 }.count
        guard seen == counted else { return "the pair table holds \(seen) pairs, the words \(counted)" }
        guard live == liveOccurrences else { return "live occurrences are \(live), the engine records \(liveOccurrences)" }
        guard touchedFallingLeft.count == 0, touchedFallingRight.count == 0, touchedRisingLeft.count == 0,
              touchedRisingRight.count == 0, registrations.count == 0 else {
            return "per-merge scratch is not empty between merges"
        }
        return nil
    }
}
