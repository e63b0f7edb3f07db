import TokkitCore

/// Why a batch of documents could not be counted.
public enum CountingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text could not be pre-split.
    case preTokenizer(PreTokenizerError)
    /// The corpus has more distinct pieces than one count table holds.
    case tooManyDistinctPieces(WordCountsFull)

    public var description: String {
        switch self {
        case .preTokenizer(let error): return error.description
        case .tooManyDistinctPieces(let error): return error.description
        }
    }
}
