import TokkitCore
import TokkitCorpus
import TokkitFormats
import TokkitIO
import TokkitText

/// Why a pipeline (counting, training) stopped. Every case carries the error of the stage that
/// failed, which names the file and line or byte offset.
public enum PipelineError: Error, Sendable, CustomStringConvertible {
    /// The corpus could not be read.
    case input(CorpusError)
    /// The split pattern does not compile.
    case pattern(PreTokenizerError)
    /// A batch could not be counted (pre-splitting failed, or too many distinct pieces).
    case counting(CountingError)
    /// A count file could not be read or is corrupt.
    case countFile(path: String, reason: String)
    /// The trainer's settings are impossible, or the corpus is empty.
    case training(TrainerError)
    /// The trained vocabulary is inconsistent: a bug in the trainer, reported rather than written.
    case inconsistent(VocabularyError)
    /// An output file already exists and overwriting was not asked for.
    case outputExists(path: String)
    /// An output could not be written.
    case output(VocabularyFileError)

    public var description: String {
        switch self {
        case .input(let error): return error.description
        case .pattern(let error): return error.description
        case .counting(let error): return error.description
        case .countFile(let path, let reason): return reason.hasPrefix(path) ? reason : "\(path): \(reason)"
        case .training(let error): return error.description
        case .inconsistent(let error): return "the trained vocabulary is inconsistent: \(error)"
        case .outputExists(let path): return "\(path) exists; pass --force to overwrite it"
        case .output(let error): return error.description
        }
    }
}
