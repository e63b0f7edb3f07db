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
    /// Elements are equal when their scalars are (Python's string equality, not Swift's canonical equivalence).
    static func duplicates(_ view: TextView, _ elements: [Range<Int>]) -> (elements: Int, characters: Int) {
        let hasher = view.scalarHasher
        var seen = RangeSet(capacity: elements.count)
        var count = 0
        var characters = 0
        view.scalars.withUnsafeBufferPointer { scalars in
            for element in elements {
                let new = seen.insert(element, hash: hasher.hash(element)) { a, b in
                    a.count == b.count && scalars[a].elementsEqual(scalars[b])
                }.inserted
                if !new {
                    count += 1
                    characters += element.count
                }
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

        let words = WordBytes(view.words)
        for limit in topNGrams {
            guard words.count >= limit.n else { continue }
            let score = Self.topNGramCharacters(words, limit.n)
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
    /// times its count. Words hold no space, so equal joined strings are equal word-id tuples.
    static func topNGramCharacters(_ words: WordBytes, _ n: Int) -> Int {
        let ids = words.ids
        let count = ids.count - n + 1
        guard count > 0 else { return 0 }
        let hasher = RangeHasher(count: ids.count) { UInt64(ids[$0]) }
        var grams = RangeSet(capacity: count)
        var counts: [Int] = []
        counts.reserveCapacity(count)
        var best = (entry: -1, count: 0)
        ids.withUnsafeBufferPointer { ids in
            for start in 0..<count {
                let range = start..<start + n
                let (entry, inserted) = grams.insert(range, hash: hasher.hash(range)) { a, b in ids[a].elementsEqual(ids[b]) }
                if inserted { counts.append(0) }
                counts[entry] += 1
                // Entries are numbered in order of first appearance, so the smaller entry came first.
                if counts[entry] > best.count || counts[entry] == best.count && entry < best.entry { best = (entry, counts[entry]) }
            }
        }
        guard best.entry >= 0 else { return 0 }
        let first = grams.ranges[best.entry].lowerBound
        let characters = words.scalarCount(first..<first + n) + n - 1
        return characters * best.count
    }

    /// `find_all_duplicate(words, n)`: n-grams joined *without* spaces (so `ab c` equals `a bc`); a
    /// repeat adds its length and jumps past itself, a new one moves one word on.
    static func duplicatedNGramCharacters(_ words: WordBytes, _ n: Int) -> Int {
        let total = words.count
        guard total >= n else { return 0 }
        var seen = RangeSet(capacity: total - n + 1)
        var repeated = 0
        var index = 0
        words.bytes.withUnsafeBufferPointer { bytes in
            while index < total - n + 1 {
                let range = words.byteRange(index..<index + n)
                let new = seen.insert(range, hash: words.byteHasher.hash(range)) { a, b in
                    a.count == b.count && bytes[a].elementsEqual(bytes[b])
                }.inserted
                if new {
                    index += 1
                } else {
                    repeated += words.scalarCount(index..<index + n)
                    index += n
                }
            }
        }
        return repeated
    }
}

/// A document's words laid end to end in one UTF-8 buffer: the words `i..<j` joined without a
/// separator are the bytes `offsets[i]..<offsets[j]`, hashed in O(1) by `byteHasher`; `ids`
/// numbers equal words alike, in order of first appearance.
struct WordBytes {
    let bytes: [UInt8]
    let offsets: [Int]
    /// `scalarOffsets[i]`: Python `len` of the first `i` words together.
    let scalarOffsets: [Int]
    let ids: [Int]
    let byteHasher: RangeHasher

    init(_ words: [String]) {
        var bytes: [UInt8] = []
        var offsets = [0]
        var scalarOffsets = [0]
        offsets.reserveCapacity(words.count + 1)
        scalarOffsets.reserveCapacity(words.count + 1)
        for word in words {
            bytes.append(contentsOf: word.utf8)
            offsets.append(bytes.count)
            scalarOffsets.append(scalarOffsets[scalarOffsets.count - 1] + word.unicodeScalars.count)
        }
        let hasher = RangeHasher(count: bytes.count) { UInt64(bytes[$0]) }
        var distinct = RangeSet(capacity: words.count)
        var ids: [Int] = []
        ids.reserveCapacity(words.count)
        bytes.withUnsafeBufferPointer { buffer in
            for index in 0..<words.count {
                let range = offsets[index]..<offsets[index + 1]
                ids.append(distinct.insert(range, hash: hasher.hash(range)) { a, b in a.count == b.count && buffer[a].elementsEqual(buffer[b]) }.entry)
            }
        }
        self.bytes = bytes
        self.offsets = offsets
        self.scalarOffsets = scalarOffsets
        self.ids = ids
        byteHasher = hasher
    }

    var count: Int { offsets.count - 1 }

    @inline(__always) func byteRange(_ words: Range<Int>) -> Range<Int> { offsets[words.lowerBound]..<offsets[words.upperBound] }

    @inline(__always) func scalarCount(_ words: Range<Int>) -> Int { scalarOffsets[words.upperBound] - scalarOffsets[words.lowerBound] }
}
