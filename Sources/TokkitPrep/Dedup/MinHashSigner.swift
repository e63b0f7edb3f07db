/// Computes datatrove's `MinhashDedupSignature` signature of one document, value for value.
///
/// Shingles: the `n`-word n-grams of spaCy's words of `simplify_text(text)`, joined by one space and
/// hashed with `sha1_hash64`. Permutations: `(h · a + b) mod (2⁶¹ − 1)` in **wrapping** 64-bit
/// arithmetic, as numpy's `uint64` computes it — the product and sum wrap modulo 2⁶⁴ before the
/// `mod` (reference §14: exact big-integer math gives different values). The signature is the
/// column-wise minimum over shingles, `buckets` consecutive groups of `rowsPerBucket`.
/// A document with fewer than `n` words has no signature (and can never be removed).
public struct MinHashSigner: Sendable {
    public let configuration: MinHashConfiguration
    /// The permutation multipliers, numpy `RandomState(seed).randint(1, P, hashCount)`.
    public let a: [UInt64]
    /// The offsets, drawn after all of `a`: `randint(0, P, hashCount)`.
    public let b: [UInt64]

    /// The Mersenne prime 2⁶¹ − 1.
    public static let prime: UInt64 = (1 << 61) - 1

    public init(configuration: MinHashConfiguration = .fineWeb) throws {
        try configuration.validate()
        self.configuration = configuration
        var random = NumpyRandomState(seed: configuration.seed)
        a = random.randintUInt64(low: 1, high: Self.prime, count: configuration.hashCount)
        b = random.randintUInt64(low: 0, high: Self.prime, count: configuration.hashCount)
    }

    /// The signature (`hashCount` values, bucket-major), or nil when the text has fewer words than a shingle.
    public func signature(of text: String) -> [UInt64]? {
        var out = [UInt64](repeating: 0, count: configuration.hashCount)
        let found = out.withUnsafeMutableBufferPointer { signature(of: text, into: $0) }
        return found ? out : nil
    }

    /// Writes the signature into `out` (`hashCount` values); false when the text has no shingle. `package`:
    /// the parallel signer writes into slices of one buffer; users call `signature(of:)`.
    package func signature(of text: String, into out: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        let words = SimplifiedText.words(of: text)
        return signature(words: words, into: out)
    }

    /// The shingle hashes of a text, in n-gram order (duplicates kept, as datatrove's array has them).
    public func shingleHashes(of text: String) -> [UInt64] {
        let words = SimplifiedText.words(of: text)
        var hashes: [UInt64] = []
        forEachShingle(words) { hashes.append($0) }
        return hashes
    }

    func signature(words: SpacyEnglishWordSplitter.UTF8Words, into out: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        let count = configuration.hashCount
        for index in 0..<count { out[index] = UInt64.max }
        var any = false
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                forEachShingle(words) { shingle in
                    any = true
                    for index in 0..<count {
                        let value = Self.modPrime(shingle &* a[index] &+ b[index])
                        if value < out[index] { out[index] = value }
                    }
                }
            }
        }
        return any
    }

    /// `x mod (2⁶¹ − 1)` for any 64-bit `x`: fold the top three bits onto the low 61, subtract once.
    @inline(__always)
    static func modPrime(_ x: UInt64) -> UInt64 {
        let folded = (x & prime) &+ (x >> 61)
        return folded >= prime ? folded &- prime : folded
    }

    /// Calls `body` with `sha1_hash64(" ".join(words[i..<i+n]))` for every n-gram.
    private func forEachShingle(_ words: SpacyEnglishWordSplitter.UTF8Words, _ body: (UInt64) -> Void) {
        let n = configuration.shingleWords
        let ranges = words.ranges
        guard ranges.count >= n else { return }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        words.utf8.withUnsafeBufferPointer { utf8 in
            for start in 0...(ranges.count - n) {
                scratch.removeAll(keepingCapacity: true)
                for offset in 0..<n {
                    if offset > 0 { scratch.append(0x20) }
                    let range = ranges[start + offset]
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[range]))
                }
                body(scratch.withUnsafeBytes { SHA1.hash64($0) })
            }
        }
    }
}
