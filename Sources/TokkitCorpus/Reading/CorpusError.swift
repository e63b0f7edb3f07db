/// Why input documents could not be read. Every case names the file; lines are 1-based, byte offsets
/// count from the start of the file.
public enum CorpusError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case noInputs(pattern: String)
    case notJSON(path: String, line: Int, reason: String)
    case missingField(path: String, line: Int, field: String)
    case invalidUTF8(path: String, line: Int, byteOffset: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .noInputs(let pattern):
            return "\(pattern): matches no files"
        case .notJSON(let path, let line, let reason):
            return "\(path):\(line): not a JSON object (\(reason)); use --skip-bad-lines to count and skip such lines"
        case .missingField(let path, let line, let field):
            return "\(path):\(line): no string field \(field.debugDescription); use --skip-bad-lines to count and skip such lines"
        case .invalidUTF8(let path, let line, let byteOffset):
            return "\(path):\(line): invalid UTF-8 at byte offset \(byteOffset) of the file; use --lossy to replace it with U+FFFD"
        }
    }
}
