import TokkitCore
/// Splits text exactly as GPT-2's pattern does (`SplitPattern.gpt2`), without a regex engine.
///
/// The alternatives of `'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`
/// are tried in order at each position, as a backtracking engine would:
/// a case-sensitive contraction; else an optional U+0020 then a run of letters, of numbers, or of
/// "other" code points (neither space, letter nor number: marks are "other" here); else the
/// whitespace run rule of `ScannedText.endOfWhitespacePiece`. `"I'm  here"` → `I`, `'m`, ` `, ` here`.
/// Proven equal to `RegexPreTokenizer(.gpt2)` by `ScannerDifferentialTests`.
public struct GPT2Scanner: PieceScanner {
    public init() {}

    /// The end of the piece that starts at `i`.
    /// - Complexity: over a whole text, O(n); each byte is classified at most twice.
    @inline(__always)
    static func endOfPiece(in text: ScannedText, from i: Int) -> Int {
        if let end = text.endOfContraction(at: i, caseInsensitive: false) { return end }
        let k = text.bytes[i] == UInt8(ascii: " ") && i + 1 < text.count ? i + 1 : i
        let classes = text.classes(at: k).classes
        if classes & ScannedText.letter != 0 { return text.endOfRun(from: k, of: ScannedText.letter) }
        if classes & ScannedText.number != 0 { return text.endOfRun(from: k, of: ScannedText.number) }
        if classes & ScannedText.whiteSpace == 0 { return text.endOfOtherRun(from: k) }
        return text.endOfWhitespacePiece(from: i, wholeRunAtEnd: false, throughLastNewline: false)
    }
}
