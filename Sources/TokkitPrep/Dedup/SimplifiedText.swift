import Foundation

/// datatrove's `simplify_text` with its default `TextNormConfig`: the key text MinHash shingles,
/// sentence dedup and exact dedup hash, and decontamination counts words of. Never the stored text
/// (reference §3). The one implementation in Tokkit, for today's order and FineWeb's (v0.2.0).
///
/// Today's steps (datatrove ≥ 0.3), in datatrove's order:
/// 1. `lower()` (Python's full case mapping, including the final-sigma rule);
/// 2. every `\p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)?` becomes `0`;
/// 3. every character of datatrove's `PUNCTUATION` becomes a space;
/// 4. `strip()`, then every run of Python whitespace becomes one space;
/// 5. NFD, then every nonspacing mark (`Mn`) is dropped; 6. `strip()`.
///
/// `"Héllo, WORLD!  It's 3.14 o'clock…"` → `"hello world it s 0 o clock"`.
///
/// v0.2.0 (FineWeb) deleted punctuation instead and folded only `\d+`: `lower()` → whitespace runs
/// become one space → punctuation deleted (`it's` → `its`) → NFD, `Mn` dropped → `\d+` → `0` →
/// `strip()`: `"hello world its 0 oclock"` (``string(_:version:)``).
///
/// Counting is in Unicode scalars, as Python's `str` is (reference §16.1).
public enum SimplifiedText {
    /// The simplified text of `text`, as Unicode scalars.
    /// - Complexity: O(n) in the scalars of `text`.
    public static func scalars(of text: Substring.UnicodeScalarView) -> [Unicode.Scalar] {
        var lowered: [Unicode.Scalar] = []
        lowered.reserveCapacity(text.count)
        lower(Array(text), into: &lowered)
        let numbered = foldNumbers(lowered, decimals: true)
        var spaced: [Unicode.Scalar] = []
        spaced.reserveCapacity(numbered.count)
        var needsDecomposition = false
        // Steps 3 and 4 at once: punctuation becomes whitespace, whitespace runs become one space.
        var pendingSpace = false
        for scalar in numbered {
            if isPunctuation(scalar) || PythonText.isSpace(scalar) {
                pendingSpace = true
                continue
            }
            if pendingSpace, !spaced.isEmpty { spaced.append(" ") }
            pendingSpace = false
            if scalar.value >= 0xC0 { needsDecomposition = true }
            spaced.append(scalar)
        }
        guard needsDecomposition else { return spaced }
        // Dropping marks can leave whitespace at an end (a lone mark after a space): strip again.
        return strip(withoutMarks(spaced))
    }

    /// spaCy's words of the simplified text of `text`, as byte ranges of its UTF-8: what datatrove's
    /// MinHash shingles and decontamination n-grams are made of
    /// (`strip_strings(spacy.blank("en")(simplify_text(text)))`).
    /// - Complexity: O(n) in the scalars of `text`.
    public static func words(of text: String) -> SpacyEnglishWordSplitter.UTF8Words {
        SpacyEnglishWordSplitter.shared.utf8Words(scalars(of: Substring(text).unicodeScalars))
    }

    /// The simplified text as a `String`, by today's rules or FineWeb's (`.v0_2_0`).
    public static func string(_ text: String, version: RuleVersion = .current) -> String {
        var view = String.UnicodeScalarView()
        switch version {
        case .current:
            view.append(contentsOf: scalars(of: Substring(text).unicodeScalars))
        case .v0_2_0:
            var lowered: [Unicode.Scalar] = []
            lower(Array(text.unicodeScalars), into: &lowered)
            // `re.sub(r"\s+", " ", text.strip())`, then punctuation deleted.
            var spaced: [Unicode.Scalar] = []
            var pendingSpace = false
            for scalar in strip(lowered) {
                if PythonText.isSpace(scalar) {
                    pendingSpace = true
                    continue
                }
                if pendingSpace { spaced.append(" ") }
                pendingSpace = false
                spaced.append(scalar)
            }
            view.append(contentsOf: strip(foldNumbers(withoutMarks(spaced.filter { !isPunctuation($0) }), decimals: false)))
        }
        return String(view)
    }

    /// NFD, then every nonspacing mark (`Mn`) dropped.
    private static func withoutMarks(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var string = String.UnicodeScalarView()
        string.append(contentsOf: scalars)
        return String(string).decomposedStringWithCanonicalMapping.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
    }

    /// Python's `strip()`.
    private static func strip(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let range = PythonText.strip(scalars, 0..<scalars.count)
        return range == 0..<scalars.count ? scalars : Array(scalars[range])
    }

    /// Python's `str.lower()`: the full lowercase mapping of each scalar, except that capital sigma
    /// becomes final sigma `ς` when a cased letter precedes it (skipping case-ignorables) and none
    /// follows (Unicode's Final_Sigma condition, which CPython implements).
    static func lower(_ text: [Unicode.Scalar], into out: inout [Unicode.Scalar]) {
        for (index, scalar) in text.enumerated() {
            let value = scalar.value
            if value < 0x80 {
                out.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 32)) : scalar)
                continue
            }
            if value == 0x3A3, isFinalSigma(text, at: index) {
                out.append("\u{3C2}")
                continue
            }
            let properties = scalar.properties
            if !properties.changesWhenLowercased {
                out.append(scalar)
            } else {
                out.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
            }
        }
    }

    private static func isFinalSigma(_ text: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, text[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, text[before].properties.isCased else { return false }
        var after = index + 1
        while after < text.count, text[after].properties.isCaseIgnorable { after += 1 }
        return !(after < text.count && text[after].properties.isCased)
    }

    /// `\p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)?` → `0` (`\d+` → `0` without `decimals`), leftmost and greedy as `regex.sub` scans.
    static func foldNumbers(_ text: [Unicode.Scalar], decimals: Bool) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            guard isDecimalDigit(text[index]) else {
                out.append(text[index])
                index += 1
                continue
            }
            while index < text.count, isDecimalDigit(text[index]) { index += 1 }
            if decimals, index + 1 < text.count, isDecimalSeparator(text[index]), isDecimalDigit(text[index + 1]) {
                index += 1
                while index < text.count, isDecimalDigit(text[index]) { index += 1 }
            }
            out.append("0")
        }
        return out
    }

    @inline(__always)
    static func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value >= 0x30 && value <= 0x39 }
        return scalar.properties.generalCategory == .decimalNumber
    }

    @inline(__always)
    private static func isDecimalSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2E, 0x2C, 0x60C, 0x66B, 0x2396, 0x2397, 0x2398: return true
        default: return false
        }
    }

    /// datatrove's `PUNCTUATION` (``DatatroveTables/punctuation``, the set the filters use too): a
    /// literal string of ASCII and CJK punctuation (with the quirk of a full-width digit one, U+FF11)
    /// plus the control characters [0,9) ∪ [11,32) ∪ [127,160). Tab and newline are not in it; they
    /// are whitespace.
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value < 64 ? (asciiPunctuation >> UInt64(value)) & 1 == 1 : (asciiPunctuationHigh >> UInt64(value - 64)) & 1 == 1
        }
        return otherPunctuation.contains(value)
    }

    /// Bits 0–63 and 64–127 of the ASCII part of `PUNCTUATION`, so the common case is a shift.
    private static let asciiPunctuation: UInt64 = DatatroveTables.punctuation.filter { $0 < 64 }.reduce(0) { $0 | 1 << UInt64($1) }
    private static let asciiPunctuationHigh: UInt64 = DatatroveTables.punctuation.filter { $0 >= 64 && $0 < 128 }.reduce(0) { $0 | 1 << UInt64($1 - 64) }

    /// The non-ASCII part.
    private static let otherPunctuation: Set<UInt32> = Set(DatatroveTables.punctuation.filter { $0 >= 0x80 })
}
