/// The words datatrove's English word tokenizer (`spacy.blank("en")`) makes of *simplified* text, so
/// MinHash shingles are datatrove's without running spaCy.
///
/// On `simplify_text` output (lowercase, no datatrove punctuation, digits folded to `0`) most of
/// spaCy's English rules can no longer fire. What is left, probed from spaCy itself into
/// `SpacySimplifiedTextTables` by `scripts/reference/make_spacy_simplified_tables.py`:
/// symbol and quote characters split off the front (prefixes) and the end (suffixes), units and
/// currency split after a digit (`0km` → `0`, `km`), symbols split out of the middle (infixes: box
/// drawing `├──` → `├`, `─`, `─`), and the tokenizer exceptions (`cannot` → `can`, `not`; `im` → `i`,
/// `m`). This type replays spaCy's affix loop (`Tokenizer._split_affixes` / `_attach_tokens`) over
/// those tables, in the same order, including its quirks (an infix at position 0 is not split).
///
/// Not replayed: spaCy's phrase-matcher pass for exceptions that themselves contain an affix (only
/// `‘s` survives simplification), which matters only when such a key is produced by splitting.
public enum SimplifiedTextWords {
    /// Simplified text as UTF-8, and its words as byte ranges.
    public struct Words: Sendable {
        public var utf8: [UInt8]
        public var ranges: [Range<Int>]
    }

    /// Splits simplified text (the output of `SimplifiedText.scalars(of:)`) into spaCy's tokens,
    /// whitespace tokens dropped (datatrove's `strip_strings`).
    /// - Complexity: O(n) in the scalars.
    public static func split(_ text: [Unicode.Scalar]) -> Words {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(text.count + text.count / 8)
        // offsets[i] = byte offset of scalar i; offsets[count] = total bytes.
        var offsets: [Int] = []
        offsets.reserveCapacity(text.count + 1)
        for scalar in text {
            offsets.append(utf8.count)
            UTF8.encode(scalar) { utf8.append($0) }
        }
        offsets.append(utf8.count)
        var scalarRanges: [Range<Int>] = []
        var start = 0
        var index = 0
        while index <= text.count {
            if index == text.count || PythonText.isSpace(text[index]) {
                if start < index { tokenize(text, start..<index, into: &scalarRanges) }
                start = index + 1
            }
            index += 1
        }
        return Words(utf8: utf8, ranges: scalarRanges.map { offsets[$0.lowerBound]..<offsets[$0.upperBound] })
    }

    /// The words as strings (for tests and `--explain`).
    public static func strings(_ text: String) -> [String] {
        let words = split(SimplifiedText.scalars(of: Substring(text).unicodeScalars))
        return words.ranges.map { String(decoding: words.utf8[$0], as: UTF8.self) }
    }

    /// One whitespace-free span, spaCy's `_tokenize`.
    private static func tokenize(_ text: [Unicode.Scalar], _ span: Range<Int>, into out: inout [Range<Int>]) {
        if let pieces = special(text, span) {
            emit(pieces, at: span.lowerBound, into: &out)
            return
        }
        var string = span
        var prefixes: [Range<Int>] = []
        var suffixes: [Range<Int>] = []
        var lastSize = -1
        while !string.isEmpty, string.count != lastSize {
            if special(text, string) != nil { break }
            lastSize = string.count
            let prefixLength = isMember(text[string.lowerBound], SpacySimplifiedTextTables.prefixCharacters) ? 1 : 0
            if prefixLength != 0 {
                let minusPrefix = (string.lowerBound + 1)..<string.upperBound
                if !minusPrefix.isEmpty, special(text, minusPrefix) != nil {
                    prefixes.append(string.lowerBound..<string.lowerBound + 1)
                    string = minusPrefix
                    break
                }
            }
            let suffixLength = self.suffixLength(text, (string.lowerBound + prefixLength)..<string.upperBound)
            if suffixLength != 0 {
                let minusSuffix = string.lowerBound..<(string.upperBound - suffixLength)
                if !minusSuffix.isEmpty, special(text, minusSuffix) != nil {
                    suffixes.append(minusSuffix.upperBound..<string.upperBound)
                    string = minusSuffix
                    break
                }
            }
            if prefixLength != 0, suffixLength != 0, prefixLength + suffixLength <= string.count {
                prefixes.append(string.lowerBound..<string.lowerBound + prefixLength)
                suffixes.append((string.upperBound - suffixLength)..<string.upperBound)
                string = (string.lowerBound + prefixLength)..<(string.upperBound - suffixLength)
            } else if prefixLength != 0 {
                prefixes.append(string.lowerBound..<string.lowerBound + prefixLength)
                string = (string.lowerBound + prefixLength)..<string.upperBound
            } else if suffixLength != 0 {
                suffixes.append((string.upperBound - suffixLength)..<string.upperBound)
                string = string.lowerBound..<(string.upperBound - suffixLength)
            }
        }
        out.append(contentsOf: prefixes)
        if !string.isEmpty {
            if let pieces = special(text, string) {
                emit(pieces, at: string.lowerBound, into: &out)
            } else {
                // Infixes: every infix character splits; one at position 0 does not (spaCy skips a
                // match that starts where the string starts, and the next piece then includes it).
                var start = string.lowerBound
                for position in string where isMember(text[position], SpacySimplifiedTextTables.infixCharacters) {
                    if position == string.lowerBound { continue }
                    if position != start { out.append(start..<position) }
                    out.append(position..<position + 1)
                    start = position + 1
                }
                if start < string.upperBound { out.append(start..<string.upperBound) }
            }
        }
        out.append(contentsOf: suffixes.reversed())
    }

    /// spaCy's `find_suffix`: the suffix regex is an alternation of `piece$`, so the match is the
    /// *leftmost* start from which some piece reaches the end. A digit lookbehind sees only `string`.
    private static func suffixLength(_ text: [Unicode.Scalar], _ string: Range<Int>) -> Int {
        guard !string.isEmpty else { return 0 }
        let last = string.upperBound - 1
        let earliest = max(string.lowerBound + 1, string.upperBound - maxUnitLength)
        if earliest <= last {
            for position in earliest...last where isASCIIDigit(text[position - 1]) {
                if position == last,
                   isMember(text[last], SpacySimplifiedTextTables.suffixCharactersAfterDigit)
                    || isMember(text[last], SpacySimplifiedTextTables.suffixCharacters) {
                    return 1
                }
                if units.contains(Array(text[position..<string.upperBound])) { return string.upperBound - position }
            }
        }
        return isMember(text[last], SpacySimplifiedTextTables.suffixCharacters) ? 1 : 0
    }

    @inline(__always)
    private static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x30 && scalar.value <= 0x39 }

    @inline(__always)
    private static func isMember(_ scalar: Unicode.Scalar, _ ranges: [ClosedRange<UInt32>]) -> Bool {
        let value = scalar.value
        guard let first = ranges.first, value >= first.lowerBound else { return false }
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < value { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].contains(value)
    }

    private static func emit(_ pieces: [Int], at start: Int, into out: inout [Range<Int>]) {
        var position = start
        for length in pieces {
            out.append(position..<position + length)
            position += length
        }
    }

    /// The piece lengths (in scalars) of a tokenizer exception equal to `text[range]`, if any.
    @inline(__always)
    private static func special(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [Int]? {
        guard range.count <= maxSpecialLength, range.count > 0 else { return nil }
        return specials[Array(text[range])]
    }

    private static let specials: [[Unicode.Scalar]: [Int]] = {
        var table: [[Unicode.Scalar]: [Int]] = [:]
        for (key, pieces) in SpacySimplifiedTextTables.specialCases {
            table[Array(key.unicodeScalars)] = pieces.map { $0.unicodeScalars.count }
        }
        return table
    }()

    private static let maxSpecialLength = SpacySimplifiedTextTables.specialCases.keys.map { $0.unicodeScalars.count }.max() ?? 0

    private static let units: Set<[Unicode.Scalar]> = Set(SpacySimplifiedTextTables.unitSuffixesAfterDigit.map { Array($0.unicodeScalars) })

    private static let maxUnitLength = SpacySimplifiedTextTables.unitSuffixesAfterDigit.map { $0.unicodeScalars.count }.max() ?? 1
}
