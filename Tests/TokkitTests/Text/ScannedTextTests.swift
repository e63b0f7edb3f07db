import Testing
@testable import TokkitText

@Suite("ScannedText: runs tested eight bytes at a time end where the byte-by-byte loop ends")
struct ScannedTextTests {
    /// The masks `endOfRun` has a word path for, with a byte of each class to fill words with.
    static let masks: [(name: String, mask: UInt8, member: UInt8)] = [
        ("letter", CodePointClasses.letter, UInt8(ascii: "q")),
        ("number", CodePointClasses.number, UInt8(ascii: "5")),
        ("lowerOrMark", CodePointClasses.lowerOrMark, UInt8(ascii: "m")),
        ("upperOrMark", CodePointClasses.upperOrMark, UInt8(ascii: "M")),
    ]

    /// The run end one code point at a time through the classes' table: `endOfRun` before its word path.
    static func byteByByte(_ text: ScannedText, from i: Int, of mask: UInt8) -> Int {
        var j = i
        while j < text.count {
            let (classes, width) = text.classes(at: j)
            if classes & mask == 0 { break }
            j += width
        }
        return j
    }

    /// How many of `starts` (every offset when `nil`) give another run end than the byte loop.
    static func mismatches(_ bytes: [UInt8], mask: UInt8, starts: [Int]? = nil) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            ScannedText.with(buffer) { text in
                (starts ?? Array(0..<text.count)).count { text.endOfRun(from: $0, of: mask) != byteByByte(text, from: $0, of: mask) }
            }
        }
    }

    /// How many (byte, position in a word) pairs `range` classifies otherwise than the table does
    /// for `mask`: every byte 0–255 at each of the eight positions, the other seven bytes members.
    static func rangeMismatches(_ range: ScannedText.ASCIIRange, mask: UInt8, member: UInt8) -> Int {
        let table = CodePointClasses.shared
        var wrong = 0
        for byte in 0...255 {
            let expected = byte < 0x80 && table.classes(of: UInt32(byte)) & mask != 0
            for position in 0..<8 {
                var word = UInt64(member) &* 0x0101_0101_0101_0101
                word = word & ~(0xFF << (8 * UInt64(position))) | UInt64(byte) << (8 * UInt64(position))
                let bits = range.highBits(in: word)
                let others = bits & ~(0xFF << (8 * UInt64(position)))
                if (bits >> (8 * UInt64(position)) & 0x80 != 0) != expected || others != ScannedText.highBits & ~(0xFF << (8 * UInt64(position))) {
                    wrong += 1
                }
            }
        }
        return wrong
    }

    @Test("each mask's ASCII range is its classes' ASCII bytes, and a wrong range is caught", arguments: masks.map(\.name))
    func asciiRanges(name: String) throws {
        let (_, mask, member) = try #require(Self.masks.first { $0.name == name })
        let range = try #require(ScannedText.asciiMembers(of: mask))
        #expect(Self.rangeMismatches(range, mask: mask, member: member) == 0)
        // The comparison can fail: one byte short at the top of the range.
        let planted = ScannedText.ASCIIRange(fold: range.fold, low: range.low, high: range.high - 1)
        #expect(Self.rangeMismatches(planted, mask: mask, member: member) > 0)
    }

    @Test("every byte at every position of an eight-byte window, from every start", arguments: masks.map(\.name))
    func everyByteInAWindow(name: String) throws {
        let (_, mask, member) = try #require(Self.masks.first { $0.name == name })
        // Non-ASCII members and non-members of each class, whole, at every position too.
        let sequences: [[UInt8]] = (0...255).map { [UInt8($0)] }
            + ["é", "ß", "Ж", "ж", "中", "٣", "Ⅻ", "\u{301}", "𝐀", "\u{A0}", "\u{3000}", "ǅ", "ʰ"].map { Array($0.utf8) }
        var failures = 0
        for sequence in sequences {
            for position in 0..<8 {
                let text = [UInt8](repeating: member, count: 3 + position) + sequence + [UInt8](repeating: member, count: 13)
                    + [UInt8(ascii: " ")] + [UInt8](repeating: member, count: 5)
                failures += Self.mismatches(text, mask: mask)
            }
        }
        #expect(failures == 0)
    }

    @Test("200,000 random words of members and near misses, seeded", arguments: masks.map(\.name))
    func randomWords(name: String) throws {
        let (_, mask, _) = try #require(Self.masks.first { $0.name == name })
        let alphabet: [[UInt8]] = ["a", "z", "A", "Z", "q", "0", "9", "5", "@", "[", "`", "{", "/", ":", "'", "_", " ", "\n",
                                   "é", "Ж", "中", "٣", "\u{301}", "ǅ", "ʰ", "\u{A0}"].map { Array($0.utf8) }
        // Members weigh more, so that runs are long enough to span words.
        let weighted = alphabet + Array(repeating: alphabet[0...5], count: 6).flatMap { $0 }
        var random = UInt64(0x5EED_0000 | UInt64(mask))
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((random >> 33) % UInt64(bound))
        }
        var text: [UInt8] = []
        var starts: [Int] = []
        for _ in 0..<200_000 {
            starts.append(text.count)
            for _ in 0..<next(24) { text += weighted[next(weighted.count)] }
            text.append(UInt8(ascii: " "))
        }
        starts += starts.map { $0 + 1 }.filter { $0 < text.count }
        #expect(Self.mismatches(text, mask: mask, starts: starts) == 0)
    }
}
