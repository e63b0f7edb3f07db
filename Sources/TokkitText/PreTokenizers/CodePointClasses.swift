import CICU
#if canImport(Glibc)
import Glibc
#endif

/// The Unicode classes the named split patterns ask about, for every code point, as ICU sees them.
///
/// The scanners must agree with ICU's regex engine character for character, so the classes come
/// from ICU itself (`tk_codepoint_classes_all`), never from hand-typed ranges or Swift's own
/// Unicode tables (which may carry another Unicode version). They are packed into one byte per code
/// point and stored as a two-level table: `blockOf[cp >> 8]` names a 256-entry block of `blocks`, and
/// identical blocks are stored once (the 4,352 blocks of Unicode collapse to a few hundred).
/// ASCII is block 0, so `blocks[byte]` classifies an ASCII byte directly.
package struct CodePointClasses: Sendable {
    /// `\p{L}`.
    static let letter: UInt8 = 1 << 0
    /// `\p{N}`.
    static let number: UInt8 = 1 << 1
    /// `\s`: Unicode White_Space.
    static let whiteSpace: UInt8 = 1 << 2
    /// o200k's `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`. (Marks need no bit of their own: gpt2 and cl100k
    /// count them as "other", o200k only through these two classes.)
    static let upperOrMark: UInt8 = 1 << 4
    /// o200k's `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
    static let lowerOrMark: UInt8 = 1 << 5

    /// Built on first use; Swift runs a `static let` initializer exactly once, even under contention.
    static let shared = CodePointClasses()

    /// Block number of each run of 256 code points (0x110000 / 256 entries).
    let blockOf: [UInt16]
    /// The distinct blocks, 256 class bytes each.
    let blocks: [UInt8]

    /// - Complexity: O(0x110000), done once per process. The classes of every code point come from
    /// ICU in one call (`tk_codepoint_classes_all`, from its category runs); a block equal to the one
    /// before it (most of Unicode: unassigned and private-use planes) is recognised by one comparison
    /// before any packing or hashing. Building this table one code point at a time was 20 ms, 40% of
    /// `tokkit encode` on a small file once the vocabulary came from the rank-table cache.
    private init() {
        var raw = [UInt16](repeating: 0, count: 0x110000)
        raw.withUnsafeMutableBufferPointer { tk_codepoint_classes_all($0.baseAddress) }
        self.init(raw: raw)
    }

    /// The table for `raw[c]` = `tk_codepoint_classes(c)`, c < 0x110000.
    init(raw: [UInt16]) {
        var blockOf = [UInt16](repeating: 0, count: 0x1100)
        var blocks: [UInt8] = []
        var known: [[UInt64]: UInt16] = [:]
        var packed = [UInt8](repeating: 0, count: 256)
        raw.withUnsafeBufferPointer { raw in
            for block in 0..<0x1100 {
                let start = block << 8
                if block > 0, memcmp(raw.baseAddress! + start, raw.baseAddress! + start - 256, 256 * MemoryLayout<UInt16>.size) == 0 {
                    blockOf[block] = blockOf[block - 1]
                    continue
                }
                for offset in 0..<256 { packed[offset] = Self.pack(UInt32(raw[start + offset])) }
                let key = packed.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
                if let existing = known[key] {
                    blockOf[block] = existing
                } else {
                    let number = UInt16(known.count)
                    known[key] = number
                    blockOf[block] = number
                    blocks += packed
                }
            }
        }
        self.blockOf = blockOf
        self.blocks = blocks
    }

    /// Builds ``shared`` now, for a caller with a core to spare before it encodes: otherwise the first
    /// batch builds it (about 1.5 M instructions and 2.2 MB of fresh pages) while the other workers wait.
    package static func prepare() { _ = shared }

    /// The packed classes of a code point (0 for values past U+10FFFF).
    @inline(__always)
    func classes(of codePoint: UInt32) -> UInt8 {
        guard codePoint < 0x110000 else { return 0 }
        return blocks[Int(blockOf[Int(codePoint >> 8)]) << 8 | Int(codePoint & 0xFF)]
    }

    private static func pack(_ icu: UInt32) -> UInt8 {
        var classes: UInt8 = 0
        let upper = UInt32(TK_CLASS_UPPERCASE | TK_CLASS_TITLECASE | TK_CLASS_MODIFIER_LETTER | TK_CLASS_OTHER_LETTER | TK_CLASS_MARK)
        let lower = UInt32(TK_CLASS_LOWERCASE | TK_CLASS_MODIFIER_LETTER | TK_CLASS_OTHER_LETTER | TK_CLASS_MARK)
        if icu & UInt32(TK_CLASS_LETTER) != 0 { classes |= letter }
        if icu & UInt32(TK_CLASS_NUMBER) != 0 { classes |= number }
        if icu & UInt32(TK_CLASS_WHITE_SPACE) != 0 { classes |= whiteSpace }
        if icu & upper != 0 { classes |= upperOrMark }
        if icu & lower != 0 { classes |= lowerOrMark }
        return classes
    }
}
