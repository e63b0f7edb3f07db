/// Why training could not start or produce a vocabulary.
public enum TrainerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `vocabularySize` leaves no room for the 256 byte tokens plus the special tokens.
    case vocabularyTooSmall(requested: Int, minimum: Int)
    /// `vocabularySize` has ids that `TokenID` (32 bits) cannot hold.
    case vocabularyTooLarge(requested: Int, maximum: Int)
    /// The same special token appears twice (ids must be unique).
    case duplicateSpecialToken(bytes: [UInt8], firstIndex: Int, secondIndex: Int)
    /// A special token has no bytes.
    case emptySpecialToken(index: Int)
    /// `maxTokenLength` is below 2, so no merge could ever happen.
    case maxTokenLengthTooSmall(Int)
    /// The word counts hold no piece at all.
    case emptyCorpus
    /// The distinct pieces of two bytes or more hold more symbols than the engine's 32-bit
    /// positions address (one symbol per byte).
    case tooManySymbols(Int, limit: Int)
    /// The pair → word index outgrew its 32-bit offsets during merge `merge` (a corpus of billions of
    /// distinct words).
    case occurrenceIndexFull(merge: Int, limit: Int)
    /// The learned tokens' bytes together outgrew the token table's 32-bit offsets.
    case tokenBytesFull(limit: Int)

    public var description: String {
        switch self {
        case .vocabularyTooSmall(let requested, let minimum):
            return "vocabulary size \(requested) is too small: it must be at least \(minimum) "
                + "(256 byte tokens + the special tokens)"
        case .vocabularyTooLarge(let requested, let maximum):
            return "vocabulary size \(requested) is too large: token ids are 32-bit, so at most \(maximum)"
        case .duplicateSpecialToken(let bytes, let first, let second):
            return "special token \"\(String(decoding: bytes, as: UTF8.self))\" is listed twice "
                + "(positions \(first) and \(second)); remove one"
        case .emptySpecialToken(let index):
            return "special token at position \(index) is empty; give it at least one byte"
        case .maxTokenLengthTooSmall(let length):
            return "max token length \(length) is too small: use at least 2 bytes, or no limit"
        case .emptyCorpus:
            return "the word counts are empty: nothing to train on (did the pre-tokenizer see any text?)"
        case .tooManySymbols(let symbols, let limit):
            return "the distinct pieces hold \(symbols) bytes, more than the \(limit) the trainer addresses; "
                + "train on a part of the corpus or raise --min-frequency"
        case .occurrenceIndexFull(let merge, let limit):
            return "at merge \(merge) the pair index passed \(limit) entries, the most the trainer addresses; "
                + "train on a part of the corpus"
        case .tokenBytesFull(let limit):
            return "the learned tokens hold more than \(limit) bytes together, the most the trainer addresses; "
                + "ask for fewer tokens or set a maximum token length"
        }
    }
}
