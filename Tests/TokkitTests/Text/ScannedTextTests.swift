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

    /// `endOfWhitespacePiece` one code point at a time, as before its word path.
    static func whitespacePieceByteByByte(_ text: ScannedText, from i: Int, wholeRunAtEnd: Bool, throughLastNewline: Bool) -> Int {
        var j = i
        var lastStart = i
        var afterLastNewline = -1
        while j < text.count {
            let (classes, width) = text.classes(at: j)
            if classes & ScannedText.whiteSpace == 0 { break }
            if text.bytes[j] == 0x0A || text.bytes[j] == 0x0D { afterLastNewline = j + 1 }
            lastStart = j
            j += width
        }
        if wholeRunAtEnd && j == text.count { return j }
        if throughLastNewline && afterLastNewline >= 0 { return afterLastNewline }
        if j == text.count { return j }
        return lastStart > i ? lastStart : j
    }

    /// How many (start, tail rule) pairs give another whitespace piece end than the byte loop; every start.
    static func whitespaceMismatches(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            ScannedText.with(buffer) { text in
                var wrong = 0
                for start in 0..<text.count {
                    for (whole, newline) in [(false, false), (false, true), (true, false), (true, true)]
                    where text.endOfWhitespacePiece(from: start, wholeRunAtEnd: whole, throughLastNewline: newline)
                        != whitespacePieceByteByByte(text, from: start, wholeRunAtEnd: whole, throughLastNewline: newline) {
                        wrong += 1
                    }
                }
                return wrong
            }
        }
    }

    @Test("the ASCII bytes of \\s are the table's, and the byte comparison sees one byte in a word")
    func asciiWhitespace() {
        var wrong = 0
        for byte in 0..<0x80 {
            let word = UInt64(byte) &* 0x0101_0101_0101_0101
            let fast = (ScannedText.asciiControlSpaces.highBits(in: word) | ScannedText.bytes(of: word, equalTo: 0x20)) == ScannedText.highBits
            if fast != (CodePointClasses.shared.classes(of: UInt32(byte)) & ScannedText.whiteSpace != 0) { wrong += 1 }
        }
        #expect(wrong == 0)
        // Every byte value against every other, at one position of a word of zeros and of 0xFF.
        var equalityWrong = 0
        for byte in 0...255 {
            for probe in 0..<0x80 {
                for filler: UInt64 in [0, 0xFF] {
                    let word = filler &* 0x0101_0101_0101_0101 & ~(0xFF << 24) | UInt64(byte) << 24
                    let seen = ScannedText.bytes(of: word, equalTo: UInt8(probe)) >> 24 & 0x80 != 0
                    if seen != (byte == probe) { equalityWrong += 1 }
                }
            }
        }
        #expect(equalityWrong == 0)
    }

    @Test("whitespace pieces: every byte at every position of runs of spaces and newlines, and 50,000 seeded random runs")
    func whitespacePieces() {
        let fillers: [[UInt8]] = [Array("        ".utf8), Array(" \n  \r\n\t ".utf8), Array("\n\n\n\n\n\n\n\n".utf8)]
        let sequences: [[UInt8]] = (0...255).map { [UInt8($0)] } + ["\u{A0}", "\u{3000}", "\u{2028}", "\u{85}", "é"].map { Array($0.utf8) }
        var failures = 0
        for filler in fillers {
            for sequence in sequences {
                for position in 0..<9 {
                    let text = Array(filler.prefix(position)) + sequence + filler + filler + Array("x".utf8)
                    failures += Self.whitespaceMismatches(text)
                    failures += Self.whitespaceMismatches(Array(text.dropLast()))  // the run reaching the end of the text
                }
            }
        }
        #expect(failures == 0)
        let alphabet: [[UInt8]] = [" ", " ", " ", " ", "\n", "\r", "\t", "\u{B}", "\u{C}", "\u{A0}", "\u{3000}", "a", "."].map { Array($0.utf8) }
        var random: UInt64 = 0x5EED
        var text: [UInt8] = []
        for _ in 0..<50_000 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text += alphabet[Int((random >> 33) % UInt64(alphabet.count))]
        }
        #expect(Self.whitespaceMismatches(text) == 0)
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
