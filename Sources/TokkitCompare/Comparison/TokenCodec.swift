import TokkitCore
import TokkitText

/// What comparing and round-tripping need from a tokenizer: bytes to ids and back.
///
/// `Tokenizer` is one. The protocol exists so that a test can wrap a tokenizer (say, with a decoder
/// that loses a byte) and check that the harness catches and shrinks the bug.
public protocol TokenCodec: Sendable {
    /// The vocabulary whose ids the codec produces.
    var vocabulary: Vocabulary { get }

    /// Encodes UTF-8 with special-token text treated as plain text (tiktoken's `encode_ordinary`):
    /// fixtures and corpora contain `<|endoftext|>` as text, and comparing must not fail on it.
    /// With `lossy`, ill-formed UTF-8 is first replaced by U+FFFD; without, it is an error.
    func encodeOrdinary(bytes: [UInt8], lossy: Bool) throws -> [TokenID]

    /// The exact bytes `ids` stand for.
    func decodeBytes(_ ids: [TokenID]) throws -> [UInt8]
}

extension Tokenizer: TokenCodec {
    public func encodeOrdinary(bytes: [UInt8], lossy: Bool) throws(EncodingError) -> [TokenID] {
        try encode(bytes: bytes, allowedSpecial: .none, disallowedSpecial: .none, lossy: lossy)
    }
}

/// A tokenizer under comparison and the name it is reported under.
public struct ComparedTokenizer: Sendable {
    public var label: String
    public var codec: any TokenCodec

    public init(label: String, codec: any TokenCodec) {
        self.label = label
        self.codec = codec
    }
}
