/// Splits text into words for fertility (tokens per word), with one rule for every script.
///
/// Most scripts separate words with spaces; Chinese, Japanese, Thai, Lao, Khmer and Myanmar do not,
/// and a dictionary segmenter would make the count depend on a dictionary and its version. So:
/// - a grapheme cluster whose first scalar lies in a Han, Hiragana, Katakana, Thai, Lao, Khmer or
///   Myanmar block is a word on its own (a "character word");
/// - any other maximal run of grapheme clusters that are not White_Space is one word, punctuation
///   included (`"Hello,"` is one word, as in the usual whitespace split);
/// - White_Space only separates.
///
/// ```swift
/// WordSplit.words(in: "I ate 寿司 today.")   // ["I", "ate", "寿", "司", "today."]
/// WordSplit.words(in: "ข้าวผัด ok")          // ["ข้", "า", "ว", "ผั", "ด", "ok"]
/// ```
///
/// Blocks stand in for the Unicode Script property (tokkit's ICU layer does not expose it); they
/// agree on every letter of these scripts, and put the few Common-script signs inside the blocks
/// (the Japanese long-vowel mark ー, 々) with their neighbours, which is what a reader expects.
public enum WordSplit {
    /// The words of `text`, in order.
    /// - Complexity: O(n) in the length of `text`.
    public static func words(in text: String) -> [Substring] {
        var words: [Substring] = []
        var runStart: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            let first = text.unicodeScalars[index]
            if first.properties.isWhitespace || isUnspaced(first) {
                if let start = runStart { words.append(text[start..<index]) }
                runStart = nil
                if !first.properties.isWhitespace { words.append(text[index..<next]) }
            } else if runStart == nil {
                runStart = index
            }
            index = next
        }
        if let start = runStart { words.append(text[start..<text.endIndex]) }
        return words
    }

    /// How many words `text` has; see `words(in:)` for the rule.
    public static func count(in text: String) -> Int { words(in: text).count }

    /// Whether `scalar` belongs to a script written without spaces between words.
    public static func isUnspaced(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return unspacedBlocks.contains { $0.contains(value) }
    }

    /// Han, Hiragana, Katakana, Thai, Lao, Myanmar and Khmer blocks (Unicode 15.1).
    static let unspacedBlocks: [ClosedRange<UInt32>] = [
        0x0E00...0x0E7F,   // Thai
        0x0E80...0x0EFF,   // Lao
        0x1000...0x109F,   // Myanmar
        0x1780...0x17FF,   // Khmer
        0x19E0...0x19FF,   // Khmer Symbols
        0x2E80...0x2FDF,   // CJK Radicals Supplement, Kangxi Radicals
        0x3005...0x3007,   // 々 〆 〇
        0x3021...0x3029,   // Hangzhou numerals
        0x3038...0x303B,
        0x3041...0x30FF,   // Hiragana, Katakana
        0x31F0...0x31FF,   // Katakana Phonetic Extensions
        0x32D0...0x32FE,   // circled Katakana
        0x3300...0x3357,   // squared Katakana words
        0x3400...0x4DBF,   // CJK Extension A
        0x4E00...0x9FFF,   // CJK Unified Ideographs
        0xA9E0...0xA9FF,   // Myanmar Extended-B
        0xAA60...0xAA7F,   // Myanmar Extended-A
        0xF900...0xFAFF,   // CJK Compatibility Ideographs
        0xFF66...0xFF9F,   // half-width Katakana
        0x1AFF0...0x1B16F, // Kana Extended-B, Kana Supplement, Kana Extended-A, Small Kana Extension
        0x20000...0x323AF, // CJK Extensions B–H and the Compatibility Supplement
    ]
}
