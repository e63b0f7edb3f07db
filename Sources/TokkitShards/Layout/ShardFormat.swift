import TokkitCore
import TokkitIO

/// The training-data layouts tokkit writes, each byte-exact with the loader that reads it.
///
/// | format | files | end token | a document may span two files |
/// |---|---|---|---|
/// | `llmc` | `PREFIX_val_000000.bin`, `PREFIX_train_000001.bin`, … (1024-byte header + tokens) | before each document | yes, as llm.c's `fineweb.py` |
/// | `nanogpt` | `val.bin`, `train.bin` (tokens only) | after each document | no |
/// | `megatron` | `PREFIX_val_000000.bin` + `.idx`, … (Megatron-LM `MMIDIDX`) | after each document | no |
public enum ShardFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case llmc
    case nanogpt
    case megatron

    /// Where the end token goes relative to each document's tokens.
    public var delimiter: DelimiterPosition {
        switch self {
        case .llmc: return .before
        case .nanogpt, .megatron: return .after
        }
    }

    /// Whether a document may be cut at a shard boundary. llm.c fills every shard to exactly its size;
    /// the other layouts index whole documents.
    public var splitsDocuments: Bool { self == .llmc }

    /// Bytes before the first token of a token file.
    public var headerBytes: Int { self == .llmc ? LLMCHeader.byteCount : 0 }

    /// The token file of shard `index` (`val` for the validation shard).
    ///
    /// llm.c and Megatron name files `PREFIX_SPLIT_NNNNNN.bin` (llm.c's `fineweb.py` convention; the index
    /// counts on across splits, so the first train shard is `_000001`). nanoGPT's `train.py` opens
    /// exactly `train.bin` and `val.bin`, so those names ignore the prefix and the index.
    public func tokenFileName(prefix: String, split: ShardSplit, index: Int) -> String {
        switch self {
        case .nanogpt:
            return "\(split.rawValue).bin"
        case .llmc, .megatron:
            let digits = String(index)
            return "\(prefix)_\(split.rawValue)_\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits).bin"
        }
    }

    /// Megatron's index file beside `tokenFileName`; `nil` for layouts without one.
    public func indexFileName(prefix: String, split: ShardSplit, index: Int) -> String? {
        guard self == .megatron else { return nil }
        return String(tokenFileName(prefix: prefix, split: split, index: index).dropLast(4)) + ".idx"
    }

    /// The token width `auto` means for a vocabulary of `vocabularySize` ids, or why none fits.
    ///
    /// llm.c: uint16 while every id fits, else uint32 (its llama-3 header). nanoGPT: uint16 only, because
    /// `train.py` memory-maps `np.uint16`; a wider vocabulary must ask for uint32 explicitly. Megatron:
    /// `DType.optimal_dtype` exactly (uint16 below 65,500 ids, else int32).
    public func tokenWidth(forVocabularySize vocabularySize: Int, requested: TokenWidth?) throws(ShardError) -> TokenWidth {
        let maximumID = vocabularySize - 1
        if let requested {
            guard maximumID <= requested.largestID(in: self) else {
                throw .vocabularyTooWide(size: vocabularySize, width: requested, format: self)
            }
            return requested
        }
        switch self {
        case .llmc:
            return maximumID <= Int(UInt16.max) ? .uint16 : .uint32
        case .nanogpt:
            guard maximumID <= Int(UInt16.max) else { throw .vocabularyTooWide(size: vocabularySize, width: .uint16, format: self) }
            return .uint16
        case .megatron:
            return vocabularySize < 65_500 ? .uint16 : .uint32
        }
    }
}

/// Where the end-of-text token goes.
public enum DelimiterPosition: String, Sendable, Hashable, Codable {
    /// `[eot] + tokens`: llm.c's `fineweb.py`.
    case before
    /// `tokens + [eot]`: nanoGPT's `prepare.py`, Megatron's `--append-eod`.
    case after
}

/// Which split a shard belongs to.
public enum ShardSplit: String, Sendable, Hashable, Codable {
    case val
    case train
}

/// How many bytes one token takes in a token file. Always little-endian.
public enum TokenWidth: String, Sendable, Hashable, CaseIterable, Codable {
    /// Two bytes; ids up to 65,535.
    case uint16
    /// Four bytes: uint32 for llm.c and nanoGPT; Megatron's int32 (dtype code 4), so ids below 2^31 there.
    case uint32

    public var byteCount: Int { self == .uint16 ? 2 : 4 }

    /// The largest id this width stores in `format`.
    public func largestID(in format: ShardFormat) -> Int {
        switch self {
        case .uint16: return Int(UInt16.max)
        case .uint32: return format == .megatron ? Int(Int32.max) : Int(UInt32.max)
        }
    }

    /// Appends `ids` little-endian. Ids are checked against `limit`, never truncated: the caller picked a
    /// width that holds every id of the vocabulary and passes its largest id, so a failure means an id
    /// outside the vocabulary.
    ///
    /// - Returns: the position in `ids` of the first id above `limit` (`output` then holds a partial
    ///   record and must be discarded), or `nil` when all were written.
    /// - Complexity: O(`ids.count`).
    package func append(_ ids: UnsafeBufferPointer<TokenID>, limit: TokenID, to output: inout [UInt8]) -> Int? {
        LittleEndianIDs.append(ids, width: self == .uint16 ? .uint16 : .uint32, limit: limit, to: &output)
    }

}
