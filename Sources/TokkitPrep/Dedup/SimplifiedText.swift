import Foundation

/// datatrove's `simplify_text` with its default `TextNormConfig` (today's order, datatrove ≥ 0.3): the key
/// text MinHash shingles and sentence dedup hash. Never the stored text (reference §3).
///
/// The steps, in datatrove's order:
/// 1. `lower()` (Python's full case mapping, including the final-sigma rule);
/// 2. every `\p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)?` becomes `0`;
/// 3. every character of datatrove's `PUNCTUATION` becomes a space;
/// 4. `strip()`, then every run of Python whitespace becomes one space;
/// 5. NFD, then every nonspacing mark (`Mn`) is dropped; 6. `strip()`.
///
/// `"Héllo, WORLD!  It's 3.14 o'clock…"` → `"hello world it s 0 o clock"`.
///
/// Counting is in Unicode scalars, as Python's `str` is (reference §16.1).
public enum SimplifiedText {
    /// The simplified text of `text`, as Unicode scalars.
    /// - Complexity: O(n) in the scalars of `text`.
    public static func scalars(of text: Substring.UnicodeScalarView) -> [Unicode.Scalar] {
        var lowered: [Unicode.Scalar] = []
        lowered.reserveCapacity(text.count)
        lower(Array(text), into: &lowered)
        let numbered = foldNumbers(lowered)
        var spaced: [Unicode.Scalar] = []
        spaced.reserveCapacity(numbered.count)
        var needsDecomposition = false
        // Steps 3 and 4 at once: punctuation becomes whitespace, whitespace runs become one space.
        var pendingSpace = false
        for scalar in numbered {
            if isPunctuation(scalar) || isPythonWhitespace(scalar) {
                pendingSpace = true
                continue
            }
            if pendingSpace, !spaced.isEmpty { spaced.append(" ") }
            pendingSpace = false
            if scalar.value >= 0xC0 { needsDecomposition = true }
            spaced.append(scalar)
        }
        guard needsDecomposition else { return spaced }
        var decomposed: [Unicode.Scalar] = []
        decomposed.reserveCapacity(spaced.count)
        var string = String.UnicodeScalarView()
        string.append(contentsOf: spaced)
        for scalar in String(string).decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            decomposed.append(scalar)
        }
        // Dropping marks can leave whitespace at an end (a lone mark after a space): strip again.
        var start = 0, end = decomposed.count
        while start < end, isPythonWhitespace(decomposed[start]) { start += 1 }
        while end > start, isPythonWhitespace(decomposed[end - 1]) { end -= 1 }
        return start == 0 && end == decomposed.count ? decomposed : Array(decomposed[start..<end])
    }

    /// The simplified text as a `String`.
    public static func string(_ text: String) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars(of: Substring(text).unicodeScalars))
        return String(view)
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

    /// `\p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)?` → `0`, leftmost and greedy as `regex.sub` scans.
    static func foldNumbers(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
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
            if index + 1 < text.count, isDecimalSeparator(text[index]), isDecimalDigit(text[index + 1]) {
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

    /// Python's `str.isspace()` (what `re`'s `\s` and `strip()` use on `str`): bidirectional class
    /// WS, B or S, or category Zs. Includes U+001C–U+001F and U+0085; not U+200B or U+FEFF.
    @inline(__always)
    static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// datatrove's `PUNCTUATION`: a literal string of ASCII and CJK punctuation (with the quirk of a
    /// full-width digit one, U+FF11) plus the control characters [0,9) ∪ [11,32) ∪ [127,160).
    /// Tab and newline are not in it; they are whitespace.
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value < 64 ? (asciiPunctuation >> UInt64(value)) & 1 == 1 : (asciiPunctuationHigh >> UInt64(value - 64)) & 1 == 1
        }
        if value < 0xA0 { return true }
        return otherPunctuation.contains(value)
    }

    /// Bits 0–63 of the ASCII part of `PUNCTUATION`: controls 0–8, 11–31, and `!"#$%&'()*+,-./:;<=>?`.
    private static let asciiPunctuation: UInt64 = {
        var bits: UInt64 = 0
        for value in 0..<64 where asciiMember(value) { bits |= 1 << UInt64(value) }
        return bits
    }()

    /// Bits 64–127: `@[\]^_` `` ` `` `{|}~` and DEL.
    private static let asciiPunctuationHigh: UInt64 = {
        var bits: UInt64 = 0
        for value in 64..<128 where asciiMember(value) { bits |= 1 << UInt64(value - 64) }
        return bits
    }()

    private static func asciiMember(_ value: Int) -> Bool {
        if value < 9 || (value >= 11 && value < 32) || value == 127 { return true }
        return Array("!/:&(\\#%+^]~';{|[=-`*$,><)?@_.\"}".unicodeScalars).contains { Int($0.value) == value }
    }

    /// The non-ASCII characters of the `PUNCTUATION` literal.
    private static let otherPunctuation: Set<UInt32> = Set("—”％１〈、━【「」，】；“《„’∶´．（–？！：～«〉》）。…►»".unicodeScalars.map(\.value))
}
