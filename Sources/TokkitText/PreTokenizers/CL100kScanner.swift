import CPieceEnds
import TokkitCore
/// Splits text exactly as cl100k's pattern does (`SplitPattern.cl100k`, tiktoken ≥ 0.8), without a
/// regex engine.
///
/// The alternatives of
/// `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
/// in order: a case-insensitive contraction (`'S`, `'ſ`, `'LL`); a letter run, which may borrow one
/// code point before it that is not `\r`, `\n`, a letter or a number (`" word"`, `"\tword"`, `"'word"`);
/// up to three numbers; an optional space, an "other" run and the `\r`/`\n` after it; then
/// whitespace, where a run reaching the end of the text stays whole (`"x\n  "` → `x`, `"\n  "`).
/// Proven equal to `RegexPreTokenizer(.cl100k)` by `ScannerDifferentialTests`.
///
/// Runs of ASCII are cut 64 bytes at a time (`pieceEnds`): the same rules, stated on the bytes' class masks, give every
/// piece start of the block at once, so that no piece waits for the end of the one before it, and no branch guesses
/// which rule applies (`TokkitBench presplit`, public_en: 15.2 → 5.9 ns a piece; `PieceEndsTests` hold the two ways
/// against each other and ICU).
public struct CL100kScanner: PieceScanner {
    public init() {}

    /// The end of the piece that starts at `i`.
    /// - Complexity: over a whole text, O(n).
    @inline(__always)
    static func endOfPiece(in text: ScannedText, from i: Int) -> Int {
        endOfPiece(in: text, from: i, digitsPerPiece: 3, wholeRunAtEnd: true)
    }

    /// The piece ends a block of 64 bytes decides (`tk_cl100k_piece_ends`, which says why and how).
    @inline(__always)
    static func pieceEnds(in text: ScannedText, from i: Int) -> UInt64 {
        pieceEnds(in: text, from: i, digitsPerPiece: 3, wholeRunAtEnd: true)
    }

    /// `pieceEnds` with the parameters of `endOfPiece(in:from:digitsPerPiece:wholeRunAtEnd:)` open, for `Qwen2Scanner`.
    /// The block may reach past the text's end into bytes that are still readable (the next documents of a batch), told
    /// where the text ends.
    @inline(__always)
    static func pieceEnds(in text: ScannedText, from i: Int, digitsPerPiece: Int, wholeRunAtEnd: Bool) -> UInt64 {
        i &+ 64 <= text.readable
            ? tk_cl100k_piece_ends(text.bytes + i, UInt32(truncatingIfNeeded: digitsPerPiece),
                                   UInt32(truncatingIfNeeded: min(64, text.count &- i)), wholeRunAtEnd ? 1 : 0)
            : 0
    }

    /// cl100k's rules with its two parameters open, so that `Qwen2Scanner` states only how it differs:
    /// how many numbers one piece holds (`\p{N}{1,3}+` or `\p{N}`), and whether a whitespace run that
    /// reaches the end of the text is one piece (`\s++$`). Constant arguments fold away when inlined.
    @inline(__always)
    static func endOfPiece(in text: ScannedText, from i: Int, digitsPerPiece: Int, wholeRunAtEnd: Bool) -> Int {
        let byte = text.bytes[i]
        // The common pieces of English first: a word of ASCII letters, alone or after one space. The rules below
        // give them the same end (no contraction starts with a space or a letter; a space may lead a letter
        // run), but through two class lookups and four tests first (en cl100k: 8% of scanning's instructions).
        let word = byte == UInt8(ascii: " ") && i &+ 1 < text.count ? i &+ 1 : i
        if (text.bytes[word] | 0x20) &- UInt8(ascii: "a") < 26 { return text.endOfRun(from: word, of: ScannedText.letter) }
        if let end = text.endOfContraction(at: i, caseInsensitive: true) { return end }
        let (classes, width) = text.classes(at: i)
        if classes & ScannedText.letter != 0 { return text.endOfRun(from: i, of: ScannedText.letter) }
        if classes & ScannedText.number != 0 { return text.endOfNumbers(from: i, upTo: digitsPerPiece) }
        // `[^\r\n\p{L}\p{N}]?+\p{L}++`: possessive, so the borrowed code point needs a letter right after it.
        if byte != 0x0A && byte != 0x0D && i + width < text.count,
           text.classes(at: i + width).classes & ScannedText.letter != 0 {
            return text.endOfRun(from: i + width, of: ScannedText.letter)
        }
        var k = i
        if byte == UInt8(ascii: " ") && text.isOther(at: i + 1) { k = i + 1 }
        if text.isOther(at: k) {
            var end = text.endOfOtherRun(from: k)
            while end < text.count, text.bytes[end] == 0x0A || text.bytes[end] == 0x0D { end += 1 }
            return end
        }
        return text.endOfWhitespacePiece(from: i, wholeRunAtEnd: wholeRunAtEnd, throughLastNewline: true)
    }
}
