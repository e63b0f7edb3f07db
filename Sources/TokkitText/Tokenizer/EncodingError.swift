import TokkitCore

/// Why text could not be encoded.
public indirect enum EncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is not UTF-8; `offset` is the first bad byte. Pass `lossy` to replace bad sequences with U+FFFD.
    case invalidUTF8(offset: Int)
    /// The text contains a special token that the caller did not allow (tiktoken's default: none allowed).
    case disallowedSpecialToken(text: String, offset: Int)
    /// The vocabulary has no single-byte token for a byte the text needs.
    case byteNotInVocabulary(byte: UInt8, offset: Int)
    case preTokenizer(PreTokenizerError)
    /// An error in document `index` of a batch.
    case inDocument(index: Int, EncodingError)
    /// Document boundaries must start at 0 and ascend within the text; `index` is the first that does not.
    case invalidDocumentBoundaries(index: Int)

    public var description: String {
        switch self {
        case .invalidUTF8(let offset):
            return "invalid UTF-8 at byte offset \(offset) (use lossy mode to replace it with U+FFFD)"
        case .disallowedSpecialToken(let text, let offset):
            return "the text contains the special token \(text) at byte offset \(offset), which is not allowed; "
                + "allow it to encode it as one special token, or disallow none to encode it as plain text"
        case .byteNotInVocabulary(let byte, let offset):
            return "byte 0x\(String(byte, radix: 16)) at offset \(offset) has no token in this vocabulary"
        case .preTokenizer(let error):
            return error.description
        case .inDocument(let index, let error):
            return "document \(index): \(error)"
        case .invalidDocumentBoundaries(let index):
            return "document boundary \(index) does not ascend from 0 within the text"
        }
    }
}

/// Which special tokens a call means.
public enum SpecialTokenSet: Sendable, Hashable {
    case all
    case none
    /// These special tokens, by their text.
    case only(Set<String>)

    func selects(_ token: SpecialToken) -> Bool {
        switch self {
        case .all: return true
        case .none: return false
        case .only(let texts): return texts.contains(token.text)
        }
    }
}
