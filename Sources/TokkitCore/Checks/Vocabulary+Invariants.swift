extension Vocabulary {
    /// The first broken invariant, or `nil`: every mergeable token looks up to its own rank through
    /// the hashed table, the single-byte and byte-pair tables and the decoding table.
    ///
    /// - Complexity: O(total bytes of the tokens): run only under `InternalChecks`.
    func firstInvariantViolation() -> String? {
        for index in 0..<table.count {
            let rank = firstRank + TokenID(index)
            guard let bytes = bytes(of: rank) else { return "rank \(rank) has no bytes" }
            guard self.rank(of: bytes) == rank else { return "rank \(rank) looks up to \(String(describing: self.rank(of: bytes)))" }
            if bytes.count == 1, singleByteRank[Int(bytes[0])] != rank { return "single byte \(bytes[0]) is not rank \(rank)" }
            if bytes.count == 2, bytePairRank[Int(bytes[0]) << 8 | Int(bytes[1])] != rank { return "byte pair of rank \(rank) disagrees" }
            guard (try? decodeBytes([rank])) == bytes else { return "rank \(rank) decodes to other bytes" }
        }
        return nil
    }
}
