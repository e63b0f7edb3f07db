import TokkitCore
import TokkitIO

/// Why a vocabulary file could not be read or written. Every case names the file; line numbers are 1-based.
public enum VocabularyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case malformedLine(path: String, line: Int, expected: String)
    case badBase64(path: String, line: Int)
    case duplicateRank(path: String, line: Int, rank: TokenID)
    case missingRank(path: String, rank: TokenID)
    case duplicateToken(path: String, line: Int, sameAsRank: TokenID)
    case checksumMismatch(path: String, expected: String, actual: String)
    case invalidJSON(path: String, reason: String)
    case invalidContent(path: String, reason: String)
    case unknownVocabulary(name: String, known: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .unwritable(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .malformedLine(let path, let line, let expected):
            return "\(path):\(line): expected \(expected)"
        case .badBase64(let path, let line):
            return "\(path):\(line): the token is not valid base64"
        case .duplicateRank(let path, let line, let rank):
            return "\(path):\(line): rank \(rank) appears a second time"
        case .missingRank(let path, let rank):
            return "\(path): rank \(rank) is missing; ranks must run without gaps (except at a special token's id)"
        case .duplicateToken(let path, let line, let rank):
            return "\(path):\(line): this token has the same bytes as rank \(rank)"
        case .checksumMismatch(let path, let expected, let actual):
            return "\(path): sha256 is \(actual), expected \(expected); the file is corrupt or not the vocabulary it claims to be"
        case .invalidJSON(let path, let reason):
            return "\(path): not valid JSON: \(reason)"
        case .invalidContent(let path, let reason):
            return "\(path): \(reason)"
        case .unknownVocabulary(let name, let known):
            return "unknown vocabulary \(name.debugDescription); known: \(known.joined(separator: ", ")), or a path to a .tiktoken, tokenizer.json or encoder.json file"
        }
    }
}

extension VocabularyFileError {
    /// The same failure, as a vocabulary-file error.
    public init(_ error: FileError) {
        switch error {
        case .unreadable(let path, let reason): self = .unreadable(path: path, reason: reason)
        case .unwritable(let path, let reason): self = .unwritable(path: path, reason: reason)
        }
    }
}

/// `FileIO` with the errors of this module, so the format readers and writers can throw one type.
package enum VocabularyFiles {
    package static func read(_ path: String) throws(VocabularyFileError) -> [UInt8] {
        do { return try FileIO.read(path) } catch { throw VocabularyFileError(error) }
    }

    package static func writeAtomically(_ bytes: [UInt8], to path: String) throws(VocabularyFileError) {
        do { try FileIO.writeAtomically(bytes, to: path) } catch { throw VocabularyFileError(error) }
    }
}
