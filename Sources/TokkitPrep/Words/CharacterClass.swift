/// A set of Unicode scalars as sorted, disjoint ranges, with an ASCII bitmap in front.
///
/// - Complexity: O(1) for ASCII, O(log r) otherwise.
struct CharacterClass: Sendable {
    private let ranges: [ClosedRange<UInt32>]
    private let ascii: (UInt64, UInt64)

    init(_ ranges: [ClosedRange<UInt32>]) {
        self.ranges = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var low: UInt64 = 0
        var high: UInt64 = 0
        for range in ranges where range.lowerBound < 128 {
            for value in range.lowerBound...min(range.upperBound, 127) {
                if value < 64 { low |= 1 << UInt64(value) } else { high |= 1 << UInt64(value - 64) }
            }
        }
        ascii = (low, high)
    }

    init(_ characters: String) {
        self.init(characters.unicodeScalars.map { $0.value...$0.value })
    }

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 64 { return ascii.0 >> UInt64(value) & 1 == 1 }
        if value < 128 { return ascii.1 >> UInt64(value - 64) & 1 == 1 }
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < value { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count && ranges[low].contains(value)
    }
}

/// Python's character predicates, which datatrove's rules are written in.
enum PythonText {
    /// `str.isspace()`: the scalars Python treats as whitespace (Unicode White_Space plus the
    /// information separators U+001C–U+001F), which spaCy's tokenizer splits chunks on.
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `str.isalpha()` for one scalar: general category L*.
    static func isAlpha(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 128 { return (scalar.value | 0x20) >= 0x61 && (scalar.value | 0x20) <= 0x7A }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `unicodedata.category(c).startswith("P")`.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x30 && scalar.value <= 0x39 }

    /// `str.splitlines()` line boundaries: `\n \r \v \f \x1c \x1d \x1e \x85 \u2028 \u2029` (`\r\n` is one).
    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x1C...0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `str.splitlines()` over scalars: lines without their terminators; no empty last line after a final break.
    static func splitLines(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if isLineBreak(scalar) {
                lines.append(start..<index)
                if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                start = index + 1
            }
            index += 1
        }
        if start < scalars.count { lines.append(start..<scalars.count) }
        return lines
    }

    /// `str.strip()` bounds of `range` (Python whitespace).
    static func strip(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isSpace(scalars[lower]) { lower += 1 }
        while upper > lower, isSpace(scalars[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}
