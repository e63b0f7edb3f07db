extension Vocabulary {
    /// The first broken invariant, or `nil`: every mergeable token looks up to its own rank through
    /// the hashed table, the single-byte and byte-pair tables and the decoding table, and through the
    /// pair merge table from every split into two tokens, which holds nothing else. Ranks the file
    /// leaves out (holes, where a special token may sit) hold no bytes and are skipped.
    ///
    /// - Complexity: O(total bytes of the tokens × mean length): run only under `InternalChecks`.
    func firstInvariantViolation() -> String? {
        var splits = 0
        let hasPairs = pairMerges.isPresent
        for index in 0..<table.count {
            let rank = firstRank + TokenID(index)
            guard !table.bytes(at: index).isEmpty else { continue }
            guard let bytes = bytes(of: rank) else { return "rank \(rank) has no bytes" }
            guard self.rank(of: bytes) == rank else { return "rank \(rank) looks up to \(String(describing: self.rank(of: bytes)))" }
            if bytes.count == 1, singleByteRank[Int(bytes[0])] != rank { return "single byte \(bytes[0]) is not rank \(rank)" }
            if bytes.count == 2, bytePairRank[Int(bytes[0]) << 8 | Int(bytes[1])] != rank { return "byte pair of rank \(rank) disagrees" }
            guard (try? decodeBytes([rank])) == bytes else { return "rank \(rank) decodes to other bytes" }
            for cut in bytes.indices.dropFirst() where hasPairs {
                guard let left = self.rank(of: Array(bytes[..<cut])), let right = self.rank(of: Array(bytes[cut...])) else { continue }
                guard pairMergeRank(left, right) == rank else { return "pair (\(left), \(right)) does not merge into rank \(rank)" }
                splits += 1
            }
        }
        if hasPairs, pairMerges.slots.withUnsafeBufferPointer({ $0.count(where: { $0 != 0 }) }) != splits {
            return "the pair merge table holds pairs that are no split of a token"
        }
        return nil
    }
}
