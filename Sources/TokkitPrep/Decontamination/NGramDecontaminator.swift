/// Finds training documents that share word n-grams with evaluation sets (GPT-3's 13-gram overlap
/// test, Brown et al. 2020, appendix C), naming the benchmark, the evaluation item and the span.
///
/// Words are those of MinHash: spaCy's English tokens of datatrove's `simplify_text`, so case,
/// punctuation, digits and accents do not hide an overlap. Each n-gram is keyed by `sha1_hash64` of
/// its words joined by one space (a 64-bit key: a false match needs a 2⁻⁶⁴ collision).
/// Memory: one entry per distinct evaluation n-gram, not the training corpus.
public struct NGramDecontaminator: Sendable {
    /// One evaluation set.
    public struct Benchmark: Sendable {
        public var name: String
        /// (item id, text) pairs.
        public var items: [(id: String, text: String)]
        public init(name: String, items: [(id: String, text: String)]) {
            self.name = name
            self.items = items
        }
    }

    /// One overlap found in a training document.
    public struct Match: Sendable, Equatable {
        public var benchmark: String
        public var itemID: String
        /// The first word of the n-gram among the document's words (simplified text).
        public var wordOffset: Int
        /// The overlapping n-gram, as simplified words.
        public var ngram: String
    }

    public let n: Int
    private var index: [UInt64: (benchmark: Int32, item: Int32)] = [:]
    private var benchmarkNames: [String] = []
    private var itemIDs: [[String]] = []
    /// Distinct n-grams indexed.
    public var ngramCount: Int { index.count }

    /// Indexes the n-grams of every item; an item shorter than `n` words contributes its whole word
    /// sequence as one gram only when `shortItemsWhole` (so short answers are not silently ignored).
    public init(benchmarks: [Benchmark], n: Int = 13, shortItemsWhole: Bool = false) throws {
        guard n >= 1 else { throw DedupError.invalidParameter("n-gram length must be ≥ 1, got \(n)") }
        self.n = n
        for (benchmarkIndex, benchmark) in benchmarks.enumerated() {
            benchmarkNames.append(benchmark.name)
            itemIDs.append(benchmark.items.map(\.id))
            for (itemIndex, item) in benchmark.items.enumerated() {
                let words = SimplifiedText.words(of: item.text)
                let length = words.ranges.count < n && shortItemsWhole ? words.ranges.count : n
                guard length > 0 else { continue }
                Self.forEachGram(words, length: length) { hash, _ in
                    if index[hash] == nil { index[hash] = (Int32(benchmarkIndex), Int32(itemIndex)) }
                }
            }
        }
    }

    /// Every indexed n-gram of `text` (in document order).
    public func matches(in text: String) -> [Match] {
        let words = SimplifiedText.words(of: text)
        var found: [Match] = []
        Self.forEachGram(words, length: n) { hash, start in
            guard let hit = index[hash] else { return }
            let gram = words.ranges[start..<(start + n)].map { String(decoding: words.utf8[$0], as: UTF8.self) }.joined(separator: " ")
            found.append(Match(benchmark: benchmarkNames[Int(hit.benchmark)], itemID: itemIDs[Int(hit.benchmark)][Int(hit.item)],
                               wordOffset: start, ngram: gram))
        }
        return found
    }

    private static func forEachGram(_ words: SpacyEnglishWordSplitter.UTF8Words, length: Int, _ body: (UInt64, Int) -> Void) {
        let ranges = words.ranges
        guard ranges.count >= length else { return }
        var scratch: [UInt8] = []
        for start in 0...(ranges.count - length) {
            scratch.removeAll(keepingCapacity: true)
            for offset in 0..<length {
                if offset > 0 { scratch.append(0x20) }
                scratch.append(contentsOf: words.utf8[ranges[start + offset]])
            }
            body(scratch.withUnsafeBytes { SHA1.hash64($0) }, start)
        }
    }
}
