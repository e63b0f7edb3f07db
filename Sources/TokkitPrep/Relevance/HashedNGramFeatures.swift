import TokkitIO

/// The features of DSIR (Xie et al. 2023) as the `data-selection` package computes them
/// (`hashed_ngram_dsir.get_ngram_counts`): the text lowercased (Python's `str.lower`), split by
/// NLTK's `WordPunctTokenizer` (`\w+|[^\w\s]+`), and every unigram … n-gram (joined by one space)
/// counted in bucket `int(sha256(gram).hexdigest(), 16) % buckets`.
public struct HashedNGramFeatures: Sendable {
    public let n: Int
    public let buckets: Int

    public init(n: Int = 2, buckets: Int = 10_000) throws {
        guard n >= 1, buckets >= 1 else { throw DedupError.invalidParameter("n-gram order and buckets must be ≥ 1, got \(n), \(buckets)") }
        self.n = n
        self.buckets = buckets
    }

    /// Adds the counts of `text` to `counts` (`buckets` entries); returns the number of words.
    @discardableResult
    public func accumulate(_ text: String, into counts: inout [Int]) -> Int {
        let words = Self.wordPunctTokens(text)
        for word in words { counts[bucket(word)] += 1 }
        if n >= 2 {
            for order in 2...n where words.count >= order {
                for start in 0...(words.count - order) {
                    var gram = words[start]
                    for offset in 1..<order { gram += [0x20] + words[start + offset] }
                    counts[bucket(gram)] += 1
                }
            }
        }
        return words.count
    }

    /// The sparse counts of one text: (bucket, count) pairs, ascending by bucket.
    public func sparse(_ text: String) -> [(bucket: Int, count: Int)] {
        var dense: [Int: Int] = [:]
        let words = Self.wordPunctTokens(text)
        for word in words { dense[bucket(word), default: 0] += 1 }
        if n >= 2 {
            for order in 2...n where words.count >= order {
                for start in 0...(words.count - order) {
                    var gram = words[start]
                    for offset in 1..<order { gram += [0x20] + words[start + offset] }
                    dense[bucket(gram), default: 0] += 1
                }
            }
        }
        return dense.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// `int(sha256(bytes).hexdigest(), 16) % buckets`: the 256-bit digest as a big-endian integer, reduced.
    @inline(__always)
    func bucket(_ bytes: [UInt8]) -> Int {
        var hasher = SHA256()
        hasher.update(bytes)
        var remainder: UInt64 = 0
        let modulus = UInt64(buckets)
        for byte in hasher.finalize() { remainder = (remainder << 8 | UInt64(byte)) % modulus }
        return Int(remainder)
    }

    /// NLTK's `WordPunctTokenizer().tokenize(text.lower())`: runs of word characters (Python's `\w`:
    /// letters, numbers, underscore) and runs of characters that are neither word nor whitespace.
    static func wordPunctTokens(_ text: String) -> [[UInt8]] {
        var lowered: [Unicode.Scalar] = []
        SimplifiedText.lower(Array(text.unicodeScalars), into: &lowered)
        var tokens: [[UInt8]] = []
        var current: [UInt8] = []
        var currentIsWord = false
        for scalar in lowered {
            if PythonText.isSpace(scalar) {
                if !current.isEmpty { tokens.append(current); current.removeAll() }
                continue
            }
            let word = isWordCharacter(scalar)
            if !current.isEmpty, word != currentIsWord { tokens.append(current); current.removeAll() }
            currentIsWord = word
            UTF8.encode(scalar) { current.append($0) }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// Python's `\w` on `str`: `str.isalnum()` (letters, and characters with a numeric value) or `_`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) || value == 0x5F
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return properties.numericType != nil
        }
    }
}
