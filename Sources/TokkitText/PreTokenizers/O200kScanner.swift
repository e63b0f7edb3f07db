import TokkitCore
/// Splits text exactly as o200k's pattern does (`SplitPattern.o200k`), without a regex engine.
///
/// o200k's words are case-shaped: with `UP` = `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]` and
/// `LO` = `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`, and an optional leading code point that is not `\r`, `\n`, a
/// letter or a number, a word is `UP* LO+` (alternative 1) or else `UP+ LO*` (alternative 2), either
/// followed by an optional case-insensitive contraction. The pattern has no possessive quantifiers,
/// so the order a backtracking engine tries matters and is kept here: alternative 1 with the leading
/// code point, without it, then alternative 2 with, without. (`"\u{301}Z"`: the mark cannot lead
/// `UP* LO+`, but alternative 1 without it matches the mark alone as `LO+`.) `"HelloWORLD's"` →
/// `Hello`, `WORLD's`. Then up to three numbers, ` ?[^\s\p{L}\p{N}]+[\r\n/]*`, and whitespace
/// (through the last `\r`/`\n` of a run; no end-of-text special case).
/// Proven equal to `RegexPreTokenizer(.o200k)` by `ScannerDifferentialTests`.
public struct O200kScanner: PieceScanner {
    public init() {}

    private static let upper = CodePointClasses.upperOrMark
    private static let lower = CodePointClasses.lowerOrMark

    /// The end of the piece that starts at `i`.
    /// - Complexity: over a whole text, O(n) for text with words of bounded length; a word's `UP` run may be read twice.
    @inline(__always)
    static func endOfPiece(in text: ScannedText, from i: Int) -> Int {
        let byte = text.bytes[i]
        let (classes, width) = text.classes(at: i)
        let canLead = classes & (ScannedText.letter | ScannedText.number) == 0 && byte != 0x0A && byte != 0x0D
        let next = i + width
        if canLead && next < text.count, let end = endOfLowerWord(in: text, from: next) { return end }
        if let end = endOfLowerWord(in: text, from: i) { return end }
        if canLead && next < text.count, let end = endOfUpperWord(in: text, from: next) { return end }
        if let end = endOfUpperWord(in: text, from: i) { return end }
        if classes & ScannedText.number != 0 { return text.endOfNumbers(from: i) }
        var k = i
        if byte == UInt8(ascii: " ") && text.isOther(at: i + 1) { k = i + 1 }
        if text.isOther(at: k) {
            var end = text.endOfOtherRun(from: k)
            while end < text.count, text.bytes[end] == 0x0A || text.bytes[end] == 0x0D || text.bytes[end] == UInt8(ascii: "/") {
                end += 1
            }
            return end
        }
        return text.endOfWhitespacePiece(from: i, wholeRunAtEnd: false, throughLastNewline: true)
    }

    /// `UP* LO+ contraction?` from `p`. `UP*` is greedy and backs off until a `LO` can follow: to
    /// the code point after the run when it is `LO`, else to the last code point of the run that is
    /// both (`Lm`, `Lo`, `M`).
    @inline(__always)
    private static func endOfLowerWord(in text: ScannedText, from p: Int) -> Int? {
        var q = p
        var lastBoth = -1
        var classes: UInt8 = 0
        while q < text.count {
            let width: Int
            (classes, width) = text.classes(at: q)
            if classes & upper == 0 { break }
            if classes & lower != 0 { lastBoth = q }
            q += width
        }
        let lowStart: Int
        if q < text.count && classes & lower != 0 {
            lowStart = q
        } else if lastBoth >= 0 {
            lowStart = lastBoth
        } else {
            return nil
        }
        let end = text.endOfRun(from: lowStart, of: lower)
        return text.endOfContraction(at: end, caseInsensitive: true) ?? end
    }

    /// `UP+ LO* contraction?` from `p`.
    @inline(__always)
    private static func endOfUpperWord(in text: ScannedText, from p: Int) -> Int? {
        let upperEnd = text.endOfRun(from: p, of: upper)
        guard upperEnd > p else { return nil }
        let end = text.endOfRun(from: upperEnd, of: lower)
        return text.endOfContraction(at: end, caseInsensitive: true) ?? end
    }
}
