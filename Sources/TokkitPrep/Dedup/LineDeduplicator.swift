import Foundation

/// Line-span de-duplication across a corpus, as datatrove's `SentenceDedupSignature` →
/// `SentenceFindDedups` → `SentenceDedupFilter` do it with `split_sentences=False` (C4's "discard
/// all but one of any three-sentence span", on lines): every window of `spanLines` consecutive
/// lines (`str.splitlines()`) is keyed by the hash of its `simplify_text` lines joined by spaces;
/// each key seen before removes its lines from the later document; a document that changed is kept
/// only if it still has `minDocumentWords` words and `minSentences` sentences.
///
/// Matched reference: datatrove 0.10.1 with one task (the first occurrence in corpus order is kept,
/// which is what its heap merge keeps when every document is in one signature file). Tokkit does it
/// in one pass with a set of seen keys instead of datatrove's sorted signature files; the kept
/// occurrence and the removed lines are the same.
///
/// False positives: a key is a 64-bit (or 32-bit) hash, not the span, so two different spans with
/// the same hash count as duplicates. With N distinct spans the chance that any false match happens
/// is at most N²/2^(p+1) for p-bit keys (the birthday bound); ``LineDedupConfiguration/precision(falsePositiveRate:expectedSpans:)``
/// picks the smallest precision datatrove offers that keeps it under a target.
public struct LineDedupConfiguration: Sendable, Equatable {
    /// datatrove's `HashConfig.hash_fc`.
    public enum HashFunction: String, Sendable, CaseIterable {
        case xxhash, sha1
    }

    /// What a span is made of: lines (`str.splitlines()`, `split_sentences=False`) or sentences
    /// (spaCy's sentencizer, `split_sentences=True`, datatrove's default).
    public enum Split: String, Sendable, CaseIterable {
        case lines, sentences
    }

    /// Lines per span (`n_sentences`).
    public var spanLines = 3
    /// A changed document needs this many words left (`min_doc_words`, spaCy words); 0 disables.
    public var minDocumentWords = 50
    /// A changed document needs this many sentences left (`min_num_sentences`, spaCy sentencizer); 0 disables.
    public var minSentences = 3
    /// A removed run whose first line has fewer words is put back (`min_words_to_remove_span`); 0 disables.
    public var minWordsToRemoveSpan = 0
    public var hash: HashFunction = .xxhash
    /// Key bits: 64 or 32 (`HashConfig.precision`).
    public var precision = 64
    /// Spans of lines, or of sentences: then spaCy's sentencizer on `blank("en")` tokens cuts the
    /// text, a span's key is made of its sentences stripped (empty ones skipped), and a removed
    /// sentence takes the whitespace before it along.
    public var split = Split.lines

    public init(spanLines: Int = 3, minDocumentWords: Int = 50, minSentences: Int = 3, minWordsToRemoveSpan: Int = 0,
                hash: HashFunction = .xxhash, precision: Int = 64) {
        self.spanLines = spanLines
        self.minDocumentWords = minDocumentWords
        self.minSentences = minSentences
        self.minWordsToRemoveSpan = minWordsToRemoveSpan
        self.hash = hash
        self.precision = precision
    }

    public func validate() throws(DedupError) {
        guard spanLines >= 1 else { throw .invalidParameter("span lines must be at least 1, got \(spanLines)") }
        guard precision == 32 || precision == 64 else { throw .invalidParameter("precision must be 32 or 64, got \(precision)") }
        guard minDocumentWords >= 0, minSentences >= 0, minWordsToRemoveSpan >= 0 else {
            throw .invalidParameter("minimum words and sentences cannot be negative")
        }
    }

    /// Upper bound on the probability that any two of `spans` distinct spans share a key.
    public func falseMatchProbability(spans: Double) -> Double {
        min(1, spans * spans / 2 / pow(2, Double(precision)))
    }

    /// The smallest key precision (32 or 64 bits) whose ``falseMatchProbability(spans:)`` for
    /// `expectedSpans` distinct spans is at most `falsePositiveRate`.
    ///
    /// - Throws: `DedupError.invalidParameter` when even 64-bit keys cannot promise the rate.
    public static func precision(falsePositiveRate: Double, expectedSpans: Double) throws(DedupError) -> Int {
        guard falsePositiveRate > 0, falsePositiveRate < 1 else {
            throw .invalidParameter("false-positive rate must be in (0, 1), got \(falsePositiveRate)")
        }
        guard expectedSpans >= 1 else { throw .invalidParameter("expected spans must be at least 1, got \(expectedSpans)") }
        for bits in [32, 64] where LineDedupConfiguration(precision: bits).falseMatchProbability(spans: expectedSpans) <= falsePositiveRate {
            return bits
        }
        throw .invalidParameter("\(expectedSpans) spans cannot stay below a false-positive rate of \(falsePositiveRate) with 64-bit keys "
            + "(bound \(LineDedupConfiguration(precision: 64).falseMatchProbability(spans: expectedSpans)))")
    }
}

/// One document's part of line de-duplication, without corpus state (safe to run in parallel).
public struct LineDeduplicator: Sendable {
    public let configuration: LineDedupConfiguration

    public init(configuration: LineDedupConfiguration = .init()) throws(DedupError) {
        try configuration.validate()
        self.configuration = configuration
    }

    /// The keys of every non-blank span of `text`, with the index of its first line (or sentence),
    /// in order (datatrove's `get_hashes`: no key when the text has fewer lines than a span).
    public func spanKeys(_ text: String) -> [(key: UInt64, line: Int)] {
        let scalars = Array(text.unicodeScalars)
        // datatrove's sent_tokenize strips each sentence and drops the empty ones; its filter then
        // counts sentences without dropping any. Both index lists are reproduced as they are.
        let lines = configuration.split == .sentences
            ? SpacyEnglishWordSplitter.shared.sentenceRanges(scalars).map { PythonText.strip(scalars, $0) }.filter { !$0.isEmpty }
            : PythonText.splitLines(scalars)
        let n = configuration.spanLines
        guard lines.count >= n else { return [] }
        let simplified = lines.map { SimplifiedText.scalars(of: Substring(String(String.UnicodeScalarView(scalars[$0]))).unicodeScalars) }
        var keys: [(key: UInt64, line: Int)] = []
        keys.reserveCapacity(lines.count - n + 1)
        var joined: [Unicode.Scalar] = []
        for start in 0...(lines.count - n) {
            joined.removeAll(keepingCapacity: true)
            for line in start..<(start + n) {
                if line > start { joined.append(" ") }
                joined.append(contentsOf: simplified[line])
            }
            guard !PythonText.strip(joined, 0..<joined.count).isEmpty else { continue }
            keys.append((key(joined), start))
        }
        return keys
    }

    private func key(_ scalars: [Unicode.Scalar]) -> UInt64 {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(scalars.count)
        for scalar in scalars { UTF8.encode(scalar) { utf8.append($0) } }
        return utf8.withUnsafeBytes { bytes in
            switch (configuration.hash, configuration.precision) {
            case (.xxhash, 32): return UInt64(XXHash.hash32(bytes))
            case (.xxhash, _): return XXHash.hash64(bytes)
            case (.sha1, 32): return UInt64(SHA1.hash32(bytes))
            case (.sha1, _): return SHA1.hash64(bytes)
            }
        }
    }

    /// What remains of `text` when the spans starting at `duplicateLines` (ascending) are removed
    /// (datatrove's `remove_dup_sentences`): kept lines joined by `\n` (kept sentences, each with the
    /// whitespace before it, joined as they are), leading whitespace stripped. As in datatrove, only
    /// the first line of a removed run is weighed against `minWordsToRemoveSpan` and put back.
    public func removing(lines duplicateLines: [Int], from text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var end = 0
        let lines = configuration.split == .sentences
            ? SpacyEnglishWordSplitter.shared.sentenceRanges(scalars).map { sentence in
                defer { end = sentence.upperBound }
                return end..<sentence.upperBound
            }
            : PythonText.splitLines(scalars)
        var kept: [Range<Int>] = []
        var removedFirst: Range<Int>?
        var next = 0
        var dropUntil = 0
        func closeRun() {
            if let first = removedFirst, configuration.minWordsToRemoveSpan > 0,
               SpacyEnglishWordSplitter.shared.words(String(String.UnicodeScalarView(scalars[first]))).count < configuration.minWordsToRemoveSpan {
                kept.append(first)
            }
            removedFirst = nil
        }
        for (index, line) in lines.enumerated() {
            if next < duplicateLines.count, duplicateLines[next] == index {
                dropUntil = index + configuration.spanLines
                next += 1
            }
            if index >= dropUntil {
                closeRun()
                kept.append(line)
            } else if removedFirst == nil {
                removedFirst = line
            }
        }
        closeRun()
        var out = String.UnicodeScalarView()
        for (index, line) in kept.enumerated() {
            if index > 0, configuration.split == .lines { out.append("\n") }
            out.append(contentsOf: scalars[line])
        }
        let joined = Array(out)
        return String(String.UnicodeScalarView(joined[PythonText.strip(joined, 0..<joined.count).lowerBound...]))
    }

    /// Whether datatrove keeps a document whose text became `filtered` (unchanged documents are
    /// always kept; an empty one never).
    public func keeps(original: String, filtered: String) -> Bool {
        guard !filtered.isEmpty else { return false }
        if filtered == original { return true }
        if configuration.minDocumentWords > 0,
           SpacyEnglishWordSplitter.shared.words(filtered).count < configuration.minDocumentWords { return false }
        // split_into_sentences returns the whole text as one part when spaCy finds no sentence.
        if configuration.minSentences > 0,
           max(1, SpacyEnglishWordSplitter.shared.sentenceCount(filtered)) < configuration.minSentences { return false }
        return true
    }
}

/// The corpus-wide part: keys seen so far, in corpus order.
public struct LineDedupIndex: Sendable {
    private var seen = Set<UInt64>()

    public init() {}

    public var count: Int { seen.count }

    /// The first lines of `keys` (one document's, in line order) that occurred before, in this
    /// document or an earlier one; the others are recorded.
    public mutating func duplicates(_ keys: [(key: UInt64, line: Int)]) -> [Int] {
        var lines: [Int] = []
        for (key, line) in keys where !seen.insert(key).inserted { lines.append(line) }
        return lines
    }
}
