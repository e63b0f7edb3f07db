import TokkitText

/// Splits text into words for fertility (tokens per word), with one rule for every script.
///
/// Most scripts separate words with spaces; Chinese, Japanese, Thai, Lao, Khmer and Myanmar do not,
/// and a dictionary segmenter would make the count depend on a dictionary and its version. So:
/// - a grapheme cluster whose first scalar belongs to Han, Hiragana, Katakana, Thai, Lao, Khmer or
///   Myanmar is a word on its own (a "character word");
/// - any other maximal run of grapheme clusters that are not White_Space is one word, punctuation
///   included (`"Hello,"` is one word, as in the usual whitespace split);
/// - White_Space only separates.
///
/// ```swift
/// WordSplit.words(in: "I ate 寿司 today.")   // ["I", "ate", "寿", "司", "today."]
/// WordSplit.words(in: "ข้าวผัด ok")          // ["ข้", "า", "ว", "ผั", "ด", "ok"]
/// ```
///
/// The scripts come from ICU (`UnicodeProperties.isUnspaced`), Script_Extensions included, so the
/// few shared signs (the Japanese long-vowel mark ー, 々) go with their neighbours, as a reader expects.
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
            if UnicodeProperties.isWhiteSpace(first) || isUnspaced(first) {
                if let start = runStart { words.append(text[start..<index]) }
                runStart = nil
                if !UnicodeProperties.isWhiteSpace(first) { words.append(text[index..<next]) }
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

    /// Whether `scalar` belongs to a script written without spaces between words (from ICU's
    /// Script and Script_Extensions: Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar).
    public static func isUnspaced(_ scalar: Unicode.Scalar) -> Bool { UnicodeProperties.isUnspaced(scalar) }
}
