/// Why a file could not be read or written, in the system's words, naming the file.
///
/// The errors of the formats and stages (`VocabularyFileError`, `ShardError`, …) wrap this one, so
/// that every "cannot read" and "cannot write" a user sees reads the same way.
public enum FileError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .unwritable(let path, _): return path
        }
    }

    /// What went wrong, without the path.
    public var reason: String {
        switch self {
        case .unreadable(_, let reason), .unwritable(_, let reason): return reason
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .unwritable(let path, let reason): return "\(path): cannot write: \(reason)"
        }
    }
}
