/// Splits text exactly as Qwen2's pattern does (`SplitPattern.qwen2`, shared by Qwen2, Qwen2.5 and
/// Qwen3), without a regex engine.
///
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// is cl100k's pattern with two differences, and only two, once possessiveness is seen to change
/// nothing here (each quantifier is followed by a class it cannot give a code point to):
/// - `\p{N}`: each number is its own piece (`"2024"` → `2`, `0`, `2`, `4`; cl100k: `202`, `4`);
/// - no `\s++$`: a whitespace run at the end of the text follows the other whitespace rules
///   (`"x\n  "` → `x`, `\n`, `"  "`; cl100k keeps `"\n  "` whole). `\s*[\r\n]+` ends where
///   cl100k's `\s*[\r\n]` does (after the run's last `\r`/`\n`), and `\s+(?!\S)|\s+` cuts where
///   `\s+(?!\S)|\s` does.
/// So the rules are `CL100kScanner`'s with those two parameters set.
/// Proven equal to `RegexPreTokenizer(.qwen2)` by `ScannerDifferentialTests`.
public struct Qwen2Scanner: PieceScanner {
    public init() {}

    /// The end of the piece that starts at `i`.
    /// - Complexity: over a whole text, O(n).
    @inline(__always)
    static func endOfPiece(in text: ScannedText, from i: Int) -> Int {
        CL100kScanner.endOfPiece(in: text, from: i, digitsPerPiece: 1, wholeRunAtEnd: false)
    }

    /// cl100k's block of piece ends, one digit per piece.
    @inline(__always)
    static func pieceEnds(in text: ScannedText, from i: Int) -> UInt64 {
        CL100kScanner.pieceEnds(in: text, from: i, digitsPerPiece: 1, wholeRunAtEnd: false)
    }
}
