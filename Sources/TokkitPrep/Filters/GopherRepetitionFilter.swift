/// datatrove's `GopherRepetitionFilter` (Gopher paper, Table A1): duplicated paragraphs and lines
/// (as fractions of elements and of characters), the most frequent 2-, 3- and 4-gram, and
/// duplicated 5- to 10-grams, all as fractions of the text's characters.
public struct GopherRepetitionFilter: Sendable, Hashable {
    public var version: RuleVersion
    public var dupLineFrac: Double? = 0.3
    public var dupParaFrac: Double? = 0.3
    public var dupLineCharFrac: Double? = 0.2
    public var dupParaCharFrac: Double? = 0.2
    public var topNGrams: [NGramLimit] = [.init(2, 0.2), .init(3, 0.18), .init(4, 0.16)]
    public var dupNGrams: [NGramLimit] = [.init(5, 0.15), .init(6, 0.14), .init(7, 0.13), .init(8, 0.12), .init(9, 0.11), .init(10, 0.10)]

    public struct NGramLimit: Sendable, Hashable {
        public var n: Int
        public var fraction: Double
        public init(_ n: Int, _ fraction: Double) { self.n = n; self.fraction = fraction }
    }

    public init(version: RuleVersion) { self.version = version }

    public var reasons: [String] {
        ["empty", "dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac"]
            + topNGrams.map { "top_\($0.n)_gram" } + dupNGrams.map { "duplicated_\($0.n)_n_grams" }
    }

    /// Python's `find_duplicates`: elements already seen, and their summed lengths (first occurrences not counted).
    static func duplicates(_ view: TextView, _ elements: [Range<Int>]) -> (elements: Int, characters: Int) {
        // Keyed by UTF-8 bytes: Swift's String equality is canonical equivalence, Python's is not.
        var seen = Set<[UInt8]>()
        var count = 0
        var characters = 0
        for element in elements {
            if !seen.insert(Array(view.string(element).utf8)).inserted {
                count += 1
                characters += element.count
            }
        }
        return (count, characters)
    }

    /// `re.split(r"\n{2,}", text.strip())` as ranges.
    static func paragraphs(_ view: TextView) -> [Range<Int>] {
        let body = PythonText.strip(view.scalars, 0..<view.length)
        var parts: [Range<Int>] = []
        var start = body.lowerBound
        var index = body.lowerBound
        while index < body.upperBound {
            if view.scalars[index] == "\n", index + 1 < body.upperBound, view.scalars[index + 1] == "\n" {
                var end = index
                while end < body.upperBound, view.scalars[end] == "\n" { end += 1 }
                parts.append(start..<index)
                start = end
                index = end
            } else {
                index += 1
            }
        }
        parts.append(start..<body.upperBound)
        return parts
    }

    /// `re.split("\n+", text)` as ranges (empty first or last part when the text starts or ends with `\n`).
    static func newlineRuns(_ view: TextView) -> [Range<Int>] {
        var parts: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < view.length {
            if view.scalars[index] == "\n" {
                var end = index
                while end < view.length, view.scalars[end] == "\n" { end += 1 }
                parts.append(start..<index)
                start = end
                index = end
            } else {
                index += 1
            }
        }
        parts.append(start..<view.length)
        return parts
    }

    public func evaluate(_ view: TextView, _ measured: inout Measurements) -> String? {
        if version == .current, view.length == 0 { return "empty" }
        let length = Double(view.length)
        let paragraphs = Self.paragraphs(view)
        let paragraphDuplicates = Self.duplicates(view, paragraphs)
        let paraFrac = Double(paragraphDuplicates.elements) / Double(paragraphs.count)
        measured.note("dup_para_frac", paraFrac)
        if let dupParaFrac, dupParaFrac != 0, paraFrac > dupParaFrac { return "dup_para_frac" }
        let paraCharFrac = Double(paragraphDuplicates.characters) / length
        measured.note("dup_para_char_frac", paraCharFrac)
        if let dupParaCharFrac, dupParaCharFrac != 0, paraCharFrac > dupParaCharFrac { return "dup_para_char_frac" }
        // v0.2.0 split lines with str.splitlines(); today's with re.split("\n+").
        let lines = version == .v0_2_0 ? PythonText.splitLines(view.scalars) : Self.newlineRuns(view)
        let lineDuplicates = Self.duplicates(view, lines)
        let lineFrac = Double(lineDuplicates.elements) / Double(lines.count)
        measured.note("dup_line_frac", lineFrac)
        if let dupLineFrac, dupLineFrac != 0, lineFrac > dupLineFrac { return "dup_line_frac" }
        let lineCharFrac = Double(lineDuplicates.characters) / length
        measured.note("dup_line_char_frac", lineCharFrac)
        if let dupLineCharFrac, dupLineCharFrac != 0, lineCharFrac > dupLineCharFrac { return "dup_line_char_frac" }

        let words = view.words
        // Words as small integers, so n-grams are compared as id tuples rather than joined strings.
        var ids: [Int] = []
        var lengths: [Int] = []
        var table: [[UInt8]: Int] = [:]
        ids.reserveCapacity(words.count)
        for word in words {
            let key = Array(word.utf8)
            let id = table[key, default: table.count]
            if id == table.count { table[key] = id; lengths.append(word.unicodeScalars.count) }
            ids.append(id)
        }
        for limit in topNGrams {
            guard words.count >= limit.n else { continue }
            let score = Self.topNGramCharacters(ids, lengths, limit.n)
            let fraction = Double(score) / length
            measured.note("top_\(limit.n)_gram_char_frac", fraction)
            if fraction > limit.fraction { return "top_\(limit.n)_gram" }
        }
        for limit in dupNGrams {
            let repeated = Self.duplicatedNGramCharacters(words, limit.n)
            let fraction = Double(repeated) / length
            measured.note("duplicated_\(limit.n)_n_grams_char_frac", fraction)
            if fraction > limit.fraction { return "duplicated_\(limit.n)_n_grams" }
        }
        return nil
    }

    /// `find_top_duplicate(get_n_grams(words, n))`: the most frequent space-joined n-gram, the
    /// first one seen among equally frequent ones (`Counter.most_common(1)`), scored as its length
    /// times its count.
    static func topNGramCharacters(_ ids: [Int], _ lengths: [Int], _ n: Int) -> Int {
        var counts: [NGramKey: (count: Int, first: Int)] = [:]
        var bestKey: NGramKey?
        var best = (count: 0, first: Int.max)
        for start in 0...(ids.count - n) {
            let key = NGramKey(ids[start..<start + n])
            var entry = counts[key] ?? (0, start)
            entry.count += 1
            counts[key] = entry
            if entry.count > best.count || entry.count == best.count && entry.first < best.first {
                best = entry
                bestKey = key
            }
        }
        guard let bestKey else { return 0 }
        let characters = bestKey.ids.reduce(0) { $0 + lengths[$1] } + n - 1
        return characters * best.count
    }

    /// `find_all_duplicate(words, n)`: n-grams joined *without* spaces; a repeat adds its length
    /// and jumps past itself, a new one moves one word on.
    static func duplicatedNGramCharacters(_ words: [String], _ n: Int) -> Int {
        guard words.count >= n else { return 0 }
        var seen = Set<[UInt8]>()
        var repeated = 0
        var index = 0
        while index < words.count - n + 1 {
            let joined = Array(words[index..<index + n].joined().utf8)
            if seen.contains(joined) {
                repeated += words[index..<index + n].reduce(0) { $0 + $1.unicodeScalars.count }
                index += n
            } else {
                seen.insert(joined)
                index += 1
            }
        }
        return repeated
    }
}

/// A word-id n-gram as a hashable key.
struct NGramKey: Hashable {
    let ids: [Int]
    init(_ slice: ArraySlice<Int>) { ids = Array(slice) }
}
