import TokkitCorpus

/// A document's text with what the filters measure computed once: its Unicode scalars (Python
/// `len` counts them) and its words (spaCy `blank("en")`, as datatrove splits English).
///
/// One view serves every filter of a document until a stage rewrites the text (C4 quality), which
/// makes a new view, as datatrove's `split_into_words` cache sees a new string.
public final class TextView {
    public let text: String
    public let scalars: [Unicode.Scalar]
    private var cachedWords: [String]?
    private var cachedScalarHasher: RangeHasher?

    public init(_ text: String) {
        self.text = text
        scalars = Array(text.unicodeScalars)
    }

    /// `split_into_words(text, "en")`.
    public var words: [String] {
        if let cachedWords { return cachedWords }
        let words = SpacyEnglishWordSplitter.shared.words(text, scalars: scalars)
        cachedWords = words
        return words
    }

    /// Hashes of any range of the scalars (lines and paragraphs compared by the repetition filter).
    var scalarHasher: RangeHasher {
        if let cachedScalarHasher { return cachedScalarHasher }
        let scalars = self.scalars
        let hasher = RangeHasher(count: scalars.count) { UInt64(scalars[$0].value) }
        cachedScalarHasher = hasher
        return hasher
    }

    /// Python `len(text)`.
    public var length: Int { scalars.count }

    /// Python `text.count(needle)`: non-overlapping occurrences, left to right.
    public func count(_ needle: String) -> Int {
        let pattern = Array(needle.unicodeScalars)
        guard !pattern.isEmpty, pattern.count <= scalars.count else { return 0 }
        var found = 0
        var index = 0
        while index + pattern.count <= scalars.count {
            if scalars[index] == pattern[0], scalars[index..<index + pattern.count].elementsEqual(pattern) {
                found += 1
                index += pattern.count
            } else {
                index += 1
            }
        }
        return found
    }

    /// The string of `range` of the scalars.
    public func string(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }
}

/// What one filter measured on a document, for `--explain`: name and value, in the order measured.
public typealias Measurements = [(name: String, value: String)]

extension Array where Element == (name: String, value: String) {
    mutating func note(_ name: String, _ value: Double) {
        append((name, value.isFinite ? String(format4: value) : "\(value)"))
    }

    mutating func note(_ name: String, _ value: Int) { append((name, String(value))) }
}

extension String {
    /// `value` with at most four decimals, trailing zeros dropped.
    init(format4 value: Double) {
        let scaled = (value * 10_000).rounded() / 10_000
        self = scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
    }
}

/// The punctuation sets datatrove's filters test characters against.
enum Punctuation {
    static let terminal = Set(DatatroveTables.terminalPunctuation.compactMap(Unicode.Scalar.init))
    static let basic = Set(DatatroveTables.punctuation.compactMap(Unicode.Scalar.init))
    /// `PUNCTUATION_SET`: v0.2.0 has `PUNCTUATION` only; today's adds `TERMINAL_PUNCTUATION`.
    static func set(_ version: RuleVersion) -> Set<Unicode.Scalar> {
        version == .v0_2_0 ? basic : basic.union(terminal)
    }
    static let v020 = set(.v0_2_0)
    static let current = set(.current)
}
