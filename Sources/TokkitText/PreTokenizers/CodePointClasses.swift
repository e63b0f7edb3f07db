import CICU
#if canImport(Glibc)
import Glibc
#endif

/// The Unicode classes the named split patterns ask about, for every code point, as ICU sees them.
///
/// The scanners must agree with ICU's regex engine character for character, so the classes come
/// from ICU itself (`tk_codepoint_class_runs`), never from hand-typed ranges or Swift's own
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
    /// ICU as runs (`tk_codepoint_class_runs`, from its category runs and White_Space set), and each
    /// block is filled from them; a block equal to the one before it (most of Unicode: unassigned and
    /// private-use planes) is recognised by one comparison before any packing or hashing. Building this
    /// table one code point at a time was 20 ms, 40% of `tokkit encode` on a small file once the
    /// vocabulary came from the rank-table cache; from a table of every code point, 2.2 MB of fresh pages.
    private init() {
        let capacity = 16384
        var starts = [UInt32](repeating: 0, count: capacity)
        var classes = [UInt16](repeating: 0, count: capacity)
        let count = Int(tk_codepoint_class_runs(&starts, &classes, Int32(capacity)))
        guard count > 0 else {
            // ICU could not give its White_Space set: ask it code point by code point.
            var raw = [UInt32](repeating: 0, count: 0x110000)
            raw.withUnsafeMutableBufferPointer { tk_codepoint_classes_range(0, 0x110000, $0.baseAddress) }
            self.init(raw: raw.map { UInt16($0) })
            return
        }
        var run = 0
        self.init { block, codePoints in
            // Most blocks lie inside one run: one fill of 256 entries.
            let first = UInt32(block << 8)
            var position = first
            while position < first + 256 {
                while run + 1 < count, starts[run + 1] <= position { run += 1 }
                let end = min(run + 1 < count ? starts[run + 1] : 0x110000, first + 256)
                codePoints[Int(position - first)..<Int(end - first)].update(repeating: classes[run])
                position = end
            }
        }
    }

    /// The table for `raw[c]` = `tk_codepoint_classes(c)`, c < 0x110000.
    init(raw: [UInt16]) {
        precondition(raw.count == 0x110000, "one entry per code point")
        self.init { block, codePoints in
            raw.withUnsafeBufferPointer { raw in
                for offset in 0..<256 { codePoints[offset] = raw[block << 8 | offset] }
            }
        }
    }

    /// The table whose block `b` (code points 256·b ..< 256·b + 256) `fill(b, codePoints)` writes as
    /// ICU's class bits, for b = 0 ..< 0x1100 in order.
    ///
    /// Only a block that differs from the one before it (184 of 4,352 with ICU 72) is packed, through
    /// a table of the packed byte of each of the 512 values ICU's nine class bits take, and looked up
    /// among the distinct ones (134) by a 64-bit fingerprint, then its bytes. Packing per code point
    /// with `pack` and a `[[UInt64]: UInt16]` dictionary were 2.7 M instructions of every process that
    /// pre-splits, 0.4 M of them the runtime's first look-up of that dictionary's type.
    private init(fillingBlocks fill: (Int, UnsafeMutableBufferPointer<UInt16>) -> Void) {
        let packOf = (0..<UInt16(512)).map(Self.pack)
        var blockOf = [UInt16](repeating: 0, count: 0x1100)
        var blocks: [UInt8] = []
        var fingerprints: [UInt64] = []
        var packed = [UInt8](repeating: 0, count: 256)
        // This block's code points and the one before it, swapped each block.
        var current = [UInt16](repeating: 0, count: 256), previous = [UInt16](repeating: 0, count: 256)
        packOf.withUnsafeBufferPointer { packOf in
            for block in 0..<0x1100 {
                current.withUnsafeMutableBufferPointer { fill(block, $0) }
                defer { swap(&current, &previous) }
                let same = current.withUnsafeBytes { current in
                    previous.withUnsafeBytes { previous in
                        guard let current = current.baseAddress, let previous = previous.baseAddress else { return false }
                        return memcmp(current, previous, 512) == 0
                    }
                }
                if block > 0, same {
                    blockOf[block] = blockOf[block - 1]
                    continue
                }
                let fingerprint = packed.withUnsafeMutableBytes { packed in
                    for offset in 0..<256 { packed[offset] = packOf[Int(current[offset] & 511)] }
                    var fingerprint: UInt64 = 0
                    for word in 0..<32 {
                        fingerprint = (fingerprint ^ packed.loadUnaligned(fromByteOffset: 8 * word, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                    }
                    return fingerprint
                }
                // Equal fingerprints are compared byte by byte: only a block seen before gets that far.
                let existing = fingerprints.indices.first { (known: Int) -> Bool in
                    fingerprints[known] == fingerprint && blocks[(256 * known)..<(256 * known + 256)].elementsEqual(packed)
                }
                if let existing {
                    blockOf[block] = UInt16(existing)
                } else {
                    blockOf[block] = UInt16(fingerprints.count)
                    fingerprints.append(fingerprint)
                    blocks += packed
                }
            }
        }
        self.blockOf = blockOf
        self.blocks = blocks
    }

    /// Builds ``shared`` now, for a caller with a core to spare before it encodes: otherwise the first
    /// batch builds it while the other workers wait.
    package static func prepare() { _ = shared }

    /// The packed classes of a code point (0 for values past U+10FFFF).
    @inline(__always)
    func classes(of codePoint: UInt32) -> UInt8 {
        guard codePoint < 0x110000 else { return 0 }
        return blocks[Int(blockOf[Int(codePoint >> 8)]) << 8 | Int(codePoint & 0xFF)]
    }

    /// Our class bits from ICU's (`TK_CLASS_*`, nine bits).
    static func pack(_ icu: UInt16) -> UInt8 {
        let upper = UInt16(TK_CLASS_UPPERCASE | TK_CLASS_TITLECASE | TK_CLASS_MODIFIER_LETTER | TK_CLASS_OTHER_LETTER | TK_CLASS_MARK)
        let lower = UInt16(TK_CLASS_LOWERCASE | TK_CLASS_MODIFIER_LETTER | TK_CLASS_OTHER_LETTER | TK_CLASS_MARK)
        return (icu & UInt16(TK_CLASS_LETTER) != 0 ? letter : 0) | (icu & UInt16(TK_CLASS_NUMBER) != 0 ? number : 0)
            | (icu & UInt16(TK_CLASS_WHITE_SPACE) != 0 ? whiteSpace : 0)
            | (icu & upper != 0 ? upperOrMark : 0) | (icu & lower != 0 ? lowerOrMark : 0)
    }
}
