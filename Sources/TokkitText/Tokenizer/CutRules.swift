import TokkitCore

/// The safe cuts a named pattern allows at the end of a run of letters or digits (the fourth form
/// in ``StreamingEncoder``'s notes), and the special tokens a cut must not split.
///
/// Why per pattern: whether a piece can continue past the last letter or digit is written in each
/// pattern. gpt2, cl100k and qwen2 end a letter piece where the letters end; o200k continues it
/// with marks (`\p{M}` is in both of its letter classes) and with a `'s`-style suffix. A run of
/// digits is one piece in gpt2 (`\p{N}++`), pieces of three from its first digit in cl100k and
/// o200k (`\p{N}{1,3}`), single digits in qwen2 (`\p{N}`).
package struct CutRules: Sendable {
    package enum Digits: Sendable {
        /// A run of digits is one piece: no cut inside it.
        case wholeRun
        /// Pieces of three digits from the run's first digit.
        case triples
        /// Every digit is a piece.
        case each
    }

    package let digits: Digits
    /// o200k: marks and an apostrophe after a letter may belong to the letter's piece.
    package let marksJoinLetters: Bool
    private let specialTokens: [[UInt8]]
    /// How far before the end of the text a test for a cut reads ahead (a character on each side, or
    /// a special token that may straddle the cut): a failed search must be redone that far back.
    package let margin: Int

    /// The rules of a named pattern; `nil` for a custom one, which is never cut.
    package init?(pattern: SplitPattern, specialTokens: [[UInt8]]) {
        switch pattern {
        case .gpt2: (digits, marksJoinLetters) = (.wholeRun, false)
        case .cl100k: (digits, marksJoinLetters) = (.triples, false)
        case .o200k: (digits, marksJoinLetters) = (.triples, true)
        case .qwen2: (digits, marksJoinLetters) = (.each, false)
        case .custom: return nil
        }
        self.specialTokens = specialTokens.filter { $0.count > 1 }
        self.margin = max(8, (self.specialTokens.map(\.count).max() ?? 0) + 4)
    }

    /// Whether `p` ends a run of letters or digits as this pattern ends a piece there (see the type's
    /// notes), outside every special token. `lower` is a known piece start at or below `p - 2`.
    func endsRun(in text: UnsafeBufferPointer<UInt8>, at p: Int, lower: Int, digits run: inout DigitRun) -> Bool {
        guard text[p] & 0xC0 != 0x80, let after = StreamingEncoder.scalar(in: text, at: p),
              let before = StreamingEncoder.scalar(in: text, endingAt: p - 1) else { return false }
        let classes = CodePointClasses.shared
        let left = classes.classes(of: before), right = classes.classes(of: after)
        let ends: Bool
        if left & CodePointClasses.letter != 0 {
            let mark = right & (CodePointClasses.upperOrMark | CodePointClasses.lowerOrMark) != 0
            ends = right & CodePointClasses.letter == 0 && !(marksJoinLetters && (mark || after == 0x27))
        } else if left & CodePointClasses.number != 0 {
            switch digits {
            case _ where right & CodePointClasses.number == 0: ends = true
            case .wholeRun: ends = false
            case .each: ends = true
            case .triples: ends = run.startsTriple(in: text, at: p, lower: lower)
            }
        } else {
            ends = false
        }
        return ends && !straddlesSpecialToken(in: text, at: p)
    }

    /// Whether some special token, or the start of one cut off by the end of `text`, covers both
    /// `p - 1` and `p`.
    private func straddlesSpecialToken(in text: UnsafeBufferPointer<UInt8>, at p: Int) -> Bool {
        for token in specialTokens {
            for k in 1..<token.count where p - k >= 0 {
                let start = p - k
                let end = min(text.count, start + token.count)
                var equal = true
                for i in start..<end where text[i] != token[i - start] {
                    equal = false
                    break
                }
                if equal { return true }
            }
        }
        return false
    }
}

/// The run of ASCII digits the last `triples` test looked at, so that testing every position of a
/// long run walks it once, not once per position.
struct DigitRun {
    /// The run's first digit, where its pieces of three start; `nil` when unknown (the run continues
    /// a non-ASCII digit, whose count in characters is not its count in bytes).
    private var origin: Int?
    /// `text[origin..<end]` is known to be ASCII digits; `end < 0`: nothing known yet.
    private var start = 0
    private var end = -1

    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// Whether `p`, between two digits, is a multiple of three digits after the run's first digit.
    mutating func startsTriple(in text: UnsafeBufferPointer<UInt8>, at p: Int, lower: Int) -> Bool {
        guard Self.isDigit(text[p - 1]), Self.isDigit(text[p]) else { return false }
        if start < p, p <= end {
            // Inside the run measured last (the search walks down from its target).
        } else if end >= 0, p == end + 1 {
            end = p  // one step up (the search walks up from its target)
        } else {
            var r = p - 1
            while r > lower, Self.isDigit(text[r - 1]) { r -= 1 }
            start = r
            end = p
            // At `lower` a piece starts; elsewhere the byte before is no ASCII digit, and must be no
            // digit at all for `r` to be the run's first digit.
            if r > lower, let previous = StreamingEncoder.scalar(in: text, endingAt: r - 1),
               CodePointClasses.shared.classes(of: previous) & CodePointClasses.number != 0 {
                origin = nil
            } else if r > lower, StreamingEncoder.scalar(in: text, endingAt: r - 1) == nil {
                origin = nil
            } else {
                origin = r
            }
        }
        guard let origin else { return false }
        return (p - origin) % 3 == 0
    }
}
