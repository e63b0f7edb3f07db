/// The size of a text in the three units the metrics divide by: bytes, characters and words.
public struct TextMeasure: Sendable, Hashable {
    /// UTF-8 bytes.
    public var bytes: Int
    /// Unicode scalars (code points), as Python's `len(str)` counts them: a decomposed `é` is two,
    /// a family emoji joined with ZWJs is several.
    public var characters: Int
    /// Words by `WordSplit`'s rule.
    public var words: Int

    public init(bytes: Int, characters: Int, words: Int) {
        self.bytes = bytes
        self.characters = characters
        self.words = words
    }

    /// Measures valid UTF-8 (ill-formed sequences count as one U+FFFD each).
    /// - Complexity: O(n).
    public init(utf8 bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        self.init(bytes: bytes.count, characters: text.unicodeScalars.count, words: WordSplit.count(in: text))
    }

    static func + (left: TextMeasure, right: TextMeasure) -> TextMeasure {
        TextMeasure(bytes: left.bytes + right.bytes, characters: left.characters + right.characters,
                    words: left.words + right.words)
    }
}
