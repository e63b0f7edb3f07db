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
    ///
    /// An ASCII byte first: a letter, or a byte that can lead followed by an ASCII letter, starts a
    /// word that `endOfASCIIWord` usually ends; a digit, or a byte before another ASCII byte that is no
    /// letter, starts no word. Only then the four word alternatives in general: on English text
    /// they were two thirds of o200k's scanning, against cl100k's single letter run (3 MB of
    /// public_en, callgrind). `O200kScannerTests` holds this to `endOfPieceByAlternatives` at every
    /// code point of random text.
    /// - Complexity: over a whole text, O(n) for text with words of bounded length; a word's `UP` run may be read twice.
    @inline(__always)
    static func endOfPiece(in text: ScannedText, from i: Int) -> Int {
        let byte = text.bytes[i]
        if byte < 0x80 {
            var word = i
            if !isASCIILetter(byte) {
                if byte &- UInt8(ascii: "0") < 10 { return text.endOfNumbers(from: i) }
                if byte == 0x0A || byte == 0x0D || i &+ 1 == text.count { return endOfNonWord(in: text, from: i, byte: byte) }
                word = i &+ 1
                let following = text.bytes[word]
                if !isASCIILetter(following) {
                    return following < 0x80 ? endOfNonWord(in: text, from: i, byte: byte) : endOfPieceByAlternatives(in: text, from: i)
                }
            }
            if let end = endOfASCIIWord(in: text, from: word) { return end }
        }
        return endOfPieceByAlternatives(in: text, from: i)
    }

    /// The end of the piece that starts at `i`, the pattern's alternatives tried in their order.
    static func endOfPieceByAlternatives(in text: ScannedText, from i: Int) -> Int {
        let byte = text.bytes[i]
        let (classes, width) = text.classes(at: i)
        let canLead = classes & (ScannedText.letter | ScannedText.number) == 0 && byte != 0x0A && byte != 0x0D
        let next = i + width
        if canLead && next < text.count, let end = endOfLowerWord(in: text, from: next) { return end }
        if let end = endOfLowerWord(in: text, from: i) { return end }
        if canLead && next < text.count, let end = endOfUpperWord(in: text, from: next) { return end }
        if let end = endOfUpperWord(in: text, from: i) { return end }
        if classes & ScannedText.number != 0 { return text.endOfNumbers(from: i) }
        return endOfNonWord(in: text, from: i, byte: byte)
    }

    @inline(__always)
    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26
    }

    /// The word from `p`, an ASCII letter, when its `UP` run (`[A-Z]*`) ends at an ASCII byte; `nil`
    /// when it ends at a non-ASCII one, whose classes only the general rules read. No ASCII byte is
    /// both `UP` and `LO`, so the run cannot back off: a following `[a-z]` starts `LO+` there
    /// (alternative 1), anything else leaves the capitals alone (alternative 2).
    @inline(__always)
    private static func endOfASCIIWord(in text: ScannedText, from p: Int) -> Int? {
        var q = p
        while q < text.count && text.bytes[q] &- UInt8(ascii: "A") < 26 { q &+= 1 }
        let end: Int
        if q == text.count {
            end = q
        } else {
            let byte = text.bytes[q]
            if byte >= 0x80 { return nil }
            end = byte &- UInt8(ascii: "a") < 26 ? text.endOfRun(from: q, of: lower) : q
        }
        return text.endOfContraction(at: end, caseInsensitive: true) ?? end
    }

    /// The end of a piece from `i` that is no word and no number: ` ?[^\s\p{L}\p{N}]+[\r\n/]*` or whitespace.
    @inline(__always)
    private static func endOfNonWord(in text: ScannedText, from i: Int, byte: UInt8) -> Int {
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
