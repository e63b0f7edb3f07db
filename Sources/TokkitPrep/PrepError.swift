import TokkitCorpus

/// Why a preprocessing run cannot start or continue. Every case says what to fix.
public enum PrepError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadableList(path: String, reason: String)
    case invalidConfiguration(String)
    /// A configuration key that is not a stage, parameter or preset: where it is and what is valid.
    case unknownName(kind: String, name: String, line: Int?, valid: [String])
    case outputNotEmpty(directory: String)
    /// A stage could not decide on a document (bad_words without a list for its language).
    case stageFailed(path: String, document: String, message: String)
    /// ICU gave up matching a stage's pattern on a document (its time limit, or memory): the stage
    /// cannot decide, so the run stops rather than take it as "no match".
    case matchingFailed(pattern: String, reason: String)
    /// The directory is what a killed run left (it holds ``DocumentReader/incompleteMarker``).
    case interruptedOutput(directory: String)

    public var description: String {
        switch self {
        case .unreadableList(let path, let reason): return "\(path): cannot read the list: \(reason)"
        case .invalidConfiguration(let message): return message
        case .unknownName(let kind, let name, let line, let valid):
            let place = line.map { "line \($0): " } ?? ""
            return "\(place)unknown \(kind) \(name.debugDescription); valid: \(valid.joined(separator: ", "))"
        case .outputNotEmpty(let directory):
            return "\(directory) holds files of another run; use an empty directory, or --resume with the same configuration"
        case .stageFailed(let path, let document, let message):
            return "\(path): document \(document.debugDescription): \(message)"
        case .matchingFailed(let pattern, let reason):
            let shown = pattern.count > 80 ? String(pattern.prefix(80)) + "…" : pattern
            return "cannot match the pattern \(shown.debugDescription): \(reason)"
        case .interruptedOutput(let directory):
            return "\(directory) holds the output of an interrupted run (\(DocumentReader.incompleteMarker)); remove it and run again"
        }
    }
}
