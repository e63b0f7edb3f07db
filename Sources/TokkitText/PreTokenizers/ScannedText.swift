/// UTF-8 text as the hand-written scanners see it: bytes, plus the class of the code point at any
/// byte offset. The rules every named pattern shares (runs of a class, the whitespace tail,
/// contractions) live here; each scanner only orders them as its pattern's alternatives are ordered.
///
/// The pointers stay valid for the duration of one `ScannedText.with` call: the text's, and those of
/// `CodePointClasses.shared`, which lives for the whole process.
struct ScannedText {
    let bytes: UnsafePointer<UInt8>
    let count: Int
    /// The bytes that may be read from `bytes`: `count`, or more for a view into a larger text (a batch's documents lie
    /// back to back in one buffer), so that a block of bytes (`CL100kScanner.pieceEnds`) may reach past the view's end
    /// and be told where it is.
    let readable: Int
    private let blockOf: UnsafePointer<UInt16>
    private let blocks: UnsafePointer<UInt8>

    static let letter = CodePointClasses.letter
    static let number = CodePointClasses.number
    static let whiteSpace = CodePointClasses.whiteSpace
    /// `\p{L}`, `\p{N}` or `\s`: what `[^\s\p{L}\p{N}]` ("other") excludes.
    static let letterNumberSpace = letter | number | whiteSpace

    /// Runs `body` over `text` with the class table at hand; the scanners' only entry point.
    static func with<R>(_ text: UnsafeBufferPointer<UInt8>, _ body: (ScannedText) throws -> R) rethrows -> R {
        let classes = CodePointClasses.shared
        return try classes.blockOf.withUnsafeBufferPointer { blockOf in
            try classes.blocks.withUnsafeBufferPointer { blocks in
                // An empty buffer may have no base address; any valid pointer will do, it is never read.
                let base = text.baseAddress ?? blocks.baseAddress!
                return try body(ScannedText(bytes: base, count: text.count, readable: text.count, blockOf: blockOf.baseAddress!,
                                            blocks: blocks.baseAddress!))
            }
        }
    }

    /// Bytes `range` of this text as a text of their own: offset 0 is `range.lowerBound`, and the
    /// end of the text (`$` in a pattern) is `range.upperBound`.
    ///
    /// Why: a batch of documents is scanned inside one `with` call, each document through its view.
    @inline(__always)
    func view(_ range: Range<Int>) -> ScannedText {
        ScannedText(bytes: bytes + range.lowerBound, count: range.count, readable: readable - range.lowerBound, blockOf: blockOf,
                    blocks: blocks)
    }

    /// The classes of the code point starting at byte `i < count`, and its length in bytes.
    ///
    /// ASCII is one table load. Input is valid UTF-8 by contract; a truncated or out-of-range
    /// sequence is still read in bounds (as one unclassified byte), so bad input can give odd pieces
    /// but never an out-of-bounds read.
    @inline(__always)
    func classes(at i: Int) -> (classes: UInt8, width: Int) {
        let lead = bytes[i]
        if lead < 0x80 { return (blocks[Int(lead)], 1) }
        let width = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        guard i + width <= count else { return (0, 1) }
        var codePoint = UInt32(lead) & (0x7F >> UInt32(width))
        for k in 1..<width { codePoint = codePoint << 6 | UInt32(bytes[i + k] & 0x3F) }
        guard codePoint < 0x110000 else { return (0, 1) }
        return (blocks[Int(blockOf[Int(codePoint >> 8)]) << 8 | Int(codePoint & 0xFF)], width)
    }

    /// The end of the run of code points from `i` whose classes intersect `mask`.
    ///
    /// Runs of ASCII letters, digits, and (o200k) lower- or upper-case letters are tested eight
    /// bytes at a time: most pieces of real text are such runs, and classifying them byte by byte
    /// through the table was a tenth of encoding. The byte loop takes over at the first non-ASCII
    /// byte, so the result is the byte loop's on any text (`ScannedTextTests`).
    @inline(__always)
    func endOfRun(from i: Int, of mask: UInt8) -> Int {
        var j = i
        if let members = Self.asciiMembers(of: mask) {
            while j &+ 8 <= count {
                let word = UInt64(littleEndian: UnsafeRawPointer(bytes + j).loadUnaligned(as: UInt64.self))
                let outside = ~members.highBits(in: word) & Self.highBits
                if outside == 0 {
                    j &+= 8
                    continue
                }
                j &+= outside.trailingZeroBitCount >> 3
                if bytes[j] < 0x80 { return j }
                break
            }
        }
        while j < count {
            let (classes, width) = classes(at: j)
            if classes & mask == 0 { break }
            j += width
        }
        return j
    }

    /// `0x80` in every byte of a word.
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The ASCII bytes of a class mask as one byte range, after an optional `| 0x20` fold; the
    /// classes' table holds them (`ScannedTextTests` checks every ASCII byte against it).
    struct ASCIIRange {
        let fold: UInt8
        let low: UInt8
        let high: UInt8

        /// `0x80` in each byte of `word` that is ASCII and, folded, within `low...high`; `0` elsewhere.
        ///
        /// Per byte without carries between bytes: the low seven bits plus at most `0x80` stay below
        /// `0x100`, and the sum's top bit says "at least `low`" (resp. "above `high`").
        @inline(__always)
        func highBits(in word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let seven = (word | UInt64(fold) &* ones) & 0x7F7F_7F7F_7F7F_7F7F
            let atLeastLow = seven &+ UInt64(0x80 &- low) &* ones
            let aboveHigh = seven &+ UInt64(0x7F &- high) &* ones
            return atLeastLow & ~aboveHigh & ~word & ScannedText.highBits
        }
    }

    /// `\t \n \v \f \r`: with the space, the ASCII bytes of `\s` (`ScannedTextTests` checks them against the table).
    static let asciiControlSpaces = ASCIIRange(fold: 0, low: 0x09, high: 0x0D)

    /// `0x80` in each byte of `word` that equals the ASCII byte `byte`; `0` elsewhere.
    @inline(__always)
    static func bytes(of word: UInt64, equalTo byte: UInt8) -> UInt64 {
        let difference = word ^ UInt64(byte) &* 0x0101_0101_0101_0101
        let nonzero = ((difference & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | difference
        return ~nonzero & highBits
    }

    /// The ASCII members of the classes `endOfRun` is asked for, or `nil` for a mask without a word path.
    @inline(__always)
    static func asciiMembers(of mask: UInt8) -> ASCIIRange? {
        switch mask {
        case letter: ASCIIRange(fold: 0x20, low: UInt8(ascii: "a"), high: UInt8(ascii: "z"))
        case number: ASCIIRange(fold: 0, low: UInt8(ascii: "0"), high: UInt8(ascii: "9"))
        case CodePointClasses.lowerOrMark: ASCIIRange(fold: 0, low: UInt8(ascii: "a"), high: UInt8(ascii: "z"))
        case CodePointClasses.upperOrMark: ASCIIRange(fold: 0, low: UInt8(ascii: "A"), high: UInt8(ascii: "Z"))
        default: nil
        }
    }

    /// The end of the run from `i` of "other" code points: `[^\s\p{L}\p{N}]+` (marks included).
    @inline(__always)
    func endOfOtherRun(from i: Int) -> Int {
        var j = i
        while j < count {
            let (classes, width) = classes(at: j)
            if classes & Self.letterNumberSpace != 0 { break }
            j += width
        }
        return j
    }

    /// `\p{N}{1,3}`: up to three numbers from `i`, which is one (`upTo: 1` is qwen2's `\p{N}`).
    @inline(__always)
    func endOfNumbers(from i: Int, upTo limit: Int = 3) -> Int {
        var j = i
        var taken = 0
        while j < count, taken < limit {
            let (classes, width) = classes(at: j)
            if classes & Self.number == 0 { break }
            j += width
            taken += 1
        }
        return j
    }

    /// Whether the code point at `i` (if any) is "other", `[^\s\p{L}\p{N}]`.
    @inline(__always)
    func isOther(at i: Int) -> Bool {
        i < count && classes(at: i).classes & Self.letterNumberSpace == 0
    }

    /// The end of the piece that the whitespace run starting at `i` gives: the tail of every named
    /// pattern, in the order of its alternatives.
    ///
    /// - `wholeRunAtEnd` (cl100k's `\s++$`, tried first): a run that reaches the end of the text is one piece.
    /// - `throughLastNewline` (`\s*[\r\n]`, `\s*[\r\n]+`): a run holding `\r` or `\n` ends after the last one.
    /// - `\s+(?!\S)`: a run followed by a non-space gives up its last code point to the next piece
    ///   (`"  a"` → `" "`, `" a"`), unless that would leave nothing; at the end of the text it is whole.
    /// - `\s` / `\s+`: otherwise the single code point.
    ///
    /// ASCII whitespace is taken eight bytes at a time (indentation: runs of eight and more spaces were
    /// a sixth of public_multi's bytes), the byte loop finishing at the first non-ASCII byte; only when
    /// the second byte is ASCII whitespace too, as a lone `\n` (most of English text's) costs more by words
    /// (3 MB of public_en, ungated: 0.3–0.8% more instructions).
    ///
    /// One ASCII whitespace byte before an ASCII byte that is no whitespace (`"\n"` before a word, a
    /// space before a digit) is a piece of its own under each of these rules; that case, two in five
    /// of English text's whitespace pieces, is answered here, the rest by a call.
    @inline(__always)
    func endOfWhitespacePiece(from i: Int, wholeRunAtEnd: Bool, throughLastNewline: Bool) -> Int {
        if i &+ 1 < count, bytes[i] < 0x80, bytes[i &+ 1] < 0x80, blocks[Int(bytes[i])] & Self.whiteSpace != 0,
           blocks[Int(bytes[i &+ 1])] & Self.whiteSpace == 0 {
            return i &+ 1
        }
        return endOfWhitespaceRun(from: i, wholeRunAtEnd: wholeRunAtEnd, throughLastNewline: throughLastNewline)
    }

    /// `endOfWhitespacePiece` of a run of more than one code point, or of one that is not ASCII.
    func endOfWhitespaceRun(from i: Int, wholeRunAtEnd: Bool, throughLastNewline: Bool) -> Int {
        var j = i
        var lastStart = i
        var afterLastNewline = -1
        let runGoesOn = i &+ 1 < count && bytes[i &+ 1] < 0x80 && blocks[Int(bytes[i &+ 1])] & Self.whiteSpace != 0
        while runGoesOn && j &+ 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes + j).loadUnaligned(as: UInt64.self))
            let outside = ~(Self.asciiControlSpaces.highBits(in: word) | Self.bytes(of: word, equalTo: 0x20)) & Self.highBits
            let taken = outside == 0 ? 8 : outside.trailingZeroBitCount >> 3
            if taken > 0 {
                let inRun: UInt64 = taken == 8 ? ~0 : (1 << UInt64(taken * 8)) &- 1
                let newlines = (Self.bytes(of: word, equalTo: 0x0A) | Self.bytes(of: word, equalTo: 0x0D)) & inRun
                if newlines != 0 { afterLastNewline = j &+ (63 &- newlines.leadingZeroBitCount) >> 3 &+ 1 }
                lastStart = j &+ taken &- 1
                j &+= taken
            }
            if outside != 0 { break }
        }
        while j < count {
            let (classes, width) = classes(at: j)
            if classes & Self.whiteSpace == 0 { break }
            let byte = bytes[j]
            if byte == 0x0A || byte == 0x0D { afterLastNewline = j + 1 }
            lastStart = j
            j += width
        }
        if wholeRunAtEnd && j == count { return j }
        if throughLastNewline && afterLastNewline >= 0 { return afterLastNewline }
        if j == count { return j }
        return lastStart > i ? lastStart : j
    }

    /// The end of a contraction at `i`: `'` then `s d m t ll ve re`. Case-insensitive matching is
    /// ICU's (and tiktoken's) `(?i)`, under which `s` also matches U+017F `ſ`.
    @inline(__always)
    func endOfContraction(at i: Int, caseInsensitive: Bool) -> Int? {
        guard i + 1 < count, bytes[i] == UInt8(ascii: "'") else { return nil }
        // `| 0x20` lowers an ASCII capital and maps no other byte onto a lowercase letter.
        let fold: UInt8 = caseInsensitive ? 0x20 : 0
        let first = bytes[i + 1] | fold
        switch first {
        case UInt8(ascii: "s"), UInt8(ascii: "d"), UInt8(ascii: "m"), UInt8(ascii: "t"):
            return i + 2
        default:
            break
        }
        guard i + 2 < count else { return nil }
        if caseInsensitive && bytes[i + 1] == 0xC5 && bytes[i + 2] == 0xBF { return i + 3 } // ſ
        let second = bytes[i + 2] | fold
        switch (first, second) {
        case (UInt8(ascii: "l"), UInt8(ascii: "l")), (UInt8(ascii: "v"), UInt8(ascii: "e")),
             (UInt8(ascii: "r"), UInt8(ascii: "e")):
            return i + 3
        default:
            return nil
        }
    }
}
