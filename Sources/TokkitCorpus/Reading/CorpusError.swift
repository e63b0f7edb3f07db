/// Why input documents could not be read. Every case names the file; lines are 1-based, byte offsets
/// count from the start of the file: of its uncompressed text, except in `.decompression`, where they
/// count compressed bytes.
public enum CorpusError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case noInputs(pattern: String)
    /// An input directory holds no regular file (`skipped`: entries left out as FIFOs, devices or loops).
    case emptyDirectory(path: String, skipped: Int)
    /// An input directory is the output of a run that did not finish (it holds ``DocumentReader/incompleteMarker``).
    case interruptedOutput(path: String)
    case notJSON(path: String, line: Int, reason: String)
    case missingField(path: String, line: Int, field: String)
    /// The record has the text field, but its value is `found` (a number, null…) rather than a string.
    case nonStringField(path: String, line: Int, field: String, found: String)
    case invalidUTF8(path: String, line: Int, byteOffset: Int)
    /// The name ends in `.gz`, `.zst` or `.zstd` but the bytes do not start with that format's magic
    /// (`found`: the first four bytes, fewer for a shorter file).
    case notCompressed(path: String, expected: CompressionFormat, found: [UInt8])
    /// Compressed input that is corrupt or truncated.
    case decompression(path: String, DecompressionError)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .noInputs(let pattern):
            return "\(pattern): matches no files"
        case .emptyDirectory(let path, let skipped):
            return "\(path): the directory holds no regular files\(skipped > 0 ? " (\(skipped) other entries skipped)" : ""); nothing to read"
        case .interruptedOutput(let path):
            return "\(path): the output of an interrupted tokkit run (it holds \(DocumentReader.incompleteMarker)); run that command again"
        case .notJSON(let path, let line, let reason):
            return "\(path):\(line): not a JSON object (\(reason)); use --skip-bad-lines to count and skip such lines"
        case .missingField(let path, let line, let field):
            return "\(path):\(line): no string field \(field.debugDescription); use --skip-bad-lines to count and skip such lines"
        case .nonStringField(let path, let line, let field, let found):
            return "\(path):\(line): field \(field.debugDescription) is \(found), not a string; use --skip-bad-lines to count and skip such lines"
        case .invalidUTF8(let path, let line, let byteOffset):
            return "\(path):\(line): invalid UTF-8 at byte offset \(byteOffset) of the file; use --lossy to replace it with U+FFFD"
        case .notCompressed(let path, let expected, let found):
            let magic = expected.magic.map(Self.hex).joined(separator: " ")
            let start = found.isEmpty ? "it is empty" : "it starts with " + found.map(Self.hex).joined(separator: " ")
            return "\(path): named like a \(expected) file but not \(expected) data (\(start), not \(magic)); "
                + "if it is plain text, rename it"
        case .decompression(let path, let error):
            return "\(path): \(error)"
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        (byte < 16 ? "0" : "") + String(byte, radix: 16)
    }
}
