import TokkitCore
import TokkitCorpus
import TokkitIO
import TokkitText

/// Why shards could not be written, resumed or verified. Every case names the file; offsets are bytes
/// from the start of that file.
public enum ShardError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Reading the input failed (missing file, bad JSONL line, invalid UTF-8).
    case input(CorpusError)
    /// A document could not be encoded; `origin` is its file and line.
    case encoding(origin: String, reason: String)
    case unwritable(path: String, reason: String)
    case unreadable(path: String, reason: String)
    /// The output directory already holds shards and neither resume nor force was asked for.
    case outputExists(directory: String, found: [String])
    case vocabularyTooWide(size: Int, width: TokenWidth, format: ShardFormat)
    case noEndToken(text: String, known: [String])
    case invalidSetting(String)
    /// An id above the vocabulary's largest, found in a shard or produced by the encoder.
    case idOutOfRange(path: String, offset: Int, id: TokenID, vocabularySize: Int)
    case unexpected(path: String, offset: Int, expected: String, found: String)
    case sizeMismatch(path: String, size: Int, expected: String)
    case truncated(path: String, size: Int, expected: String)
    case checksumMismatch(path: String, expected: FileDigest, actual: FileDigest)
    case countMismatch(path: String, what: String, expected: Int, found: Int)
    case manifest(path: String, reason: String)
    /// Resume found a manifest made with other settings or inputs.
    case resumeMismatch(path: String, differences: [String])

    public var description: String {
        switch self {
        case .input(let error):
            return error.description
        case .encoding(let origin, let reason):
            return "\(origin): \(reason)"
        case .unwritable(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .outputExists(let directory, let found):
            let shown = found.prefix(3).joined(separator: ", ") + (found.count > 3 ? ", …" : "")
            return "\(directory): already holds shards (\(shown)); pass --resume to continue that run or --force to replace it"
        case .vocabularyTooWide(let size, let width, let format):
            let hint: String
            switch (format, width) {
            case (.nanogpt, .uint16):
                hint = "pass --token-width uint32 and read the files with np.uint32 (nanoGPT's train.py memory-maps np.uint16)"
            case (_, .uint16):
                hint = "use --token-width uint32 (or auto)"
            default:
                hint = "no token width of \(format.rawValue) holds it"
            }
            return "the vocabulary has \(size) ids but \(format.rawValue) \(width.rawValue) tokens hold ids up to \(width.largestID(in: format)); \(hint)"
        case .noEndToken(let text, let known):
            return "the vocabulary has no special token \(text.debugDescription) to end documents with"
                + (known.isEmpty ? "; add one with --special '\(text)=ID'" : "; it has \(known.joined(separator: ", ")); pick one with --end-token")
        case .invalidSetting(let reason):
            return reason
        case .idOutOfRange(let path, let offset, let id, let size):
            return "\(path): byte offset \(offset): token id \(id) is outside the vocabulary (expected < \(size))"
        case .unexpected(let path, let offset, let expected, let found):
            return "\(path): byte offset \(offset): expected \(expected), found \(found)"
        case .sizeMismatch(let path, let size, let expected):
            return "\(path): the file has \(size) bytes, expected \(expected)"
        case .truncated(let path, let size, let expected):
            return "\(path): the file has \(size) bytes, expected \(expected)"
        case .checksumMismatch(let path, let expected, let actual):
            return "\(path): \(actual.algorithm.rawValue) is \(actual.hex), the manifest records \(expected.hex); the file changed after it was written"
        case .countMismatch(let path, let what, let expected, let found):
            return "\(path): \(found) \(what), the manifest records \(expected)"
        case .manifest(let path, let reason):
            return "\(path): \(reason)"
        case .resumeMismatch(let path, let differences):
            return "\(path): cannot resume, the earlier run differs: \(differences.joined(separator: "; ")); use --force to start over"
        }
    }
}
