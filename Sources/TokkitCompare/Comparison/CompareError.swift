import TokkitCorpus

/// Why a comparison or a round-trip run could not be made. Every case names the file or tokenizer.
public enum CompareError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    /// A file that cannot be read, or compressed input that is corrupt or truncated.
    case input(CorpusError)
    case invalidUTF8(path: String, offset: Int)
    case noInputFiles(paths: [String], extensions: [String])
    case encodingFailed(tokenizer: String, file: String, reason: String)
    case noTokenizers

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .input(let error):
            return error.description
        case .invalidUTF8(let path, let offset):
            return "\(path): invalid UTF-8 at byte offset \(offset); pass --lossy to replace it with U+FFFD"
        case .noInputFiles(let paths, let extensions):
            return "no input files in \(paths.joined(separator: ", ")) (directories contribute files ending in \(extensions.map { "." + $0 }.joined(separator: ", ")))"
        case .encodingFailed(let tokenizer, let file, let reason):
            return "\(file): \(tokenizer) cannot encode it: \(reason)"
        case .noTokenizers:
            return "nothing to compare: give at least one --vocab"
        }
    }
}
