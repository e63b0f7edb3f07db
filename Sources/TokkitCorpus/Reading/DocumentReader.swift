import Foundation
import TokkitCore
import TokkitIO

/// Streams documents from files, directories, glob patterns or standard input, in batches.
///
/// Memory holds one read buffer plus the batch being handed out, never the corpus: a 100 GB file
/// streams through. Inputs are read in the order given; a directory contributes its regular files
/// recursively in sorted path order; a glob pattern (`data/*.jsonl`) its matches in sorted order.
/// `-` is standard input. gzip and zstd input, files or standard input, is recognised by its first
/// bytes and decompressed as it streams (``InputReader``); lines and offsets count uncompressed bytes.
///
/// ```swift
/// let reader = try DocumentReader(inputs: ["corpus/"], format: .text(.lines))
/// while let batch = try reader.nextBatch() { count(batch.documents) }
/// ```
public final class DocumentReader {
    /// One batch of documents, in input order.
    public struct Batch: Sendable {
        public var documents: [[UInt8]]
        /// Where each document starts, for error messages.
        public var origins: [DocumentOrigin]
        /// Bytes read from the inputs for this batch (including separators), for progress reports.
        public var bytesRead: Int
    }

    /// One batch of documents stored back to back: document `i` is `text[boundaries[i] ..< boundaries[i + 1]]`.
    ///
    /// Why: the encoder takes a batch as one buffer with boundaries (``Tokenizer/encodeDocuments``); an
    /// array per document cost a malloc and a free for every line of a corpus.
    public struct FlatBatch: Sendable {
        public var text: [UInt8] = []
        /// `count + 1` ascending offsets into `text`, from 0.
        public var boundaries: [Int] = [0]
        /// Where each document starts, for error messages.
        public var origins: [DocumentOrigin] = []
        /// Bytes read from the inputs for this batch (including separators), for progress reports.
        public var bytesRead = 0

        public init() {}

        /// The number of documents.
        public var count: Int { origins.count }

        /// The bytes of document `index`.
        public subscript(index: Int) -> ArraySlice<UInt8> { text[boundaries[index]..<boundaries[index + 1]] }
    }

    /// What was read so far.
    public struct Statistics: Sendable, Equatable {
        public var files = 0
        public var documents = 0
        public var bytes = 0
        /// Lines skipped under `skipBadLines` (not JSON, lacking the field, or not UTF-8), with the
        /// first few places.
        public var skipped = SkippedLines()
        /// How many lines `skipBadLines` skipped.
        public var skippedLines: Int { skipped.count }
        /// Documents in which `lossy` replaced invalid UTF-8.
        public var repairedDocuments = 0
    }

    public let format: DocumentFormat
    public let skipBadLines: Bool
    public let lossy: Bool
    /// With `.text(.lines)`: each document keeps its line's `\n` (or `\r\n`); a last line without
    /// one stays as it is. This is what Hugging Face's `tokenizer.train(files)` trains on (it reads
    /// with Rust's `read_line`, which keeps the terminator), and it changes the merges: `"\n"` and
    /// the pieces before it are counted.
    public let keepLineTerminators: Bool
    public private(set) var statistics = Statistics()
    /// The files the inputs expand to, in reading order (`-` for standard input).
    public let files: [String]
    /// Entries of input directories left out because they are not regular files (see ``DirectoryWalker``).
    public let skipped: [DirectoryWalker.Skipped]

    private var pending: [String]
    private var current: LineSource?
    private var paragraph: [UInt8] = []
    private var paragraphLine = 0
    /// The file of the paragraph being collected: the last one of a file is flushed after the file is closed.
    private var paragraphPath = ""
    private var lastOrigin = DocumentOrigin(path: "", line: 0)

    /// - Parameters:
    ///   - inputs: files, directories, glob patterns, or `-` for standard input.
    ///   - skipBadLines: JSONL lines that are not JSON objects or lack the field are counted and skipped instead of stopping the run.
    ///   - lossy: invalid UTF-8 is replaced with U+FFFD instead of stopping with its byte offset.
    ///   - keepLineTerminators: with `.text(.lines)`, documents keep their `\n` or `\r\n` (see the property).
    /// - Throws: `CorpusError.unreadable` for a missing input, `.noInputs` for a glob without matches,
    ///   `.emptyDirectory` for a directory without a regular file.
    public init(inputs: [String], format: DocumentFormat, skipBadLines: Bool = false, lossy: Bool = false,
                keepLineTerminators: Bool = false) throws(CorpusError) {
        self.format = format
        self.skipBadLines = skipBadLines
        self.lossy = lossy
        self.keepLineTerminators = keepLineTerminators && format == .text(.lines)
        (self.files, self.skipped) = try Self.expandReportingSkipped(inputs)
        self.pending = files
    }

    /// Files to read, in order. Directories expand recursively (sorted); patterns with `*?[` expand with glob(3).
    public static func expand(_ inputs: [String]) throws(CorpusError) -> [String] {
        try expandReportingSkipped(inputs).files
    }

    /// The file a curation stage keeps in its output directory until the run is complete.
    public static let incompleteMarker = ".tokkit-incomplete"

    /// As ``expand(_:)``, with the entries of input directories that were left out (FIFOs, devices,
    /// symbolic link loops; see ``DirectoryWalker``), for the caller to report.
    public static func expandReportingSkipped(_ inputs: [String]) throws(CorpusError) -> (files: [String], skipped: [DirectoryWalker.Skipped]) {
        var files: [String] = []
        var skipped: [DirectoryWalker.Skipped] = []
        let fileManager = FileManager.default
        for input in inputs {
            if input == "-" {
                files.append(input)
                continue
            }
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: input, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    // Reading half of an interrupted stage's output would be silent loss.
                    guard !fileManager.fileExists(atPath: input + "/" + incompleteMarker) else { throw .interruptedOutput(path: input) }
                    let walk: DirectoryWalker
                    do { walk = try DirectoryWalker(root: input) } catch { throw .unreadable(path: input, reason: error.reason) }
                    skipped += walk.skipped
                    // One rule for every command: a directory that contributes nothing is an error, not an empty run.
                    guard !walk.files.isEmpty else { throw .emptyDirectory(path: input, skipped: walk.skipped.count) }
                    for folder in Set(walk.files.map { ($0 as NSString).deletingLastPathComponent }).sorted()
                    where fileManager.fileExists(atPath: folder + "/" + incompleteMarker) {
                        throw .interruptedOutput(path: folder)
                    }
                    files += walk.files
                } else {
                    files.append(input)
                }
            } else if input.contains(where: { "*?[".contains($0) }) {
                let matches = Glob.match(input)
                guard !matches.isEmpty else { throw .noInputs(pattern: input) }
                files += matches
            } else {
                throw .unreadable(path: input, reason: "no such file or directory")
            }
        }
        return (files, skipped)
    }

    /// The next batch of about `targetBytes` of documents, or `nil` at the end of the inputs.
    public func nextBatch(targetBytes: Int = 4 << 20) throws(CorpusError) -> Batch? {
        var documents: [[UInt8]] = []
        var origins: [DocumentOrigin] = []
        var bytes = 0
        while bytes < targetBytes {
            var document: [UInt8] = []
            guard try nextDocument(appendingTo: &document, &bytes) else { break }
            documents.append(document)
            origins.append(lastOrigin)
        }
        if documents.isEmpty, bytes == 0 { return nil }
        return Batch(documents: documents, origins: origins, bytesRead: bytes)
    }

    /// The next batch of about `targetBytes` of documents, back to back in one buffer, or `nil` at the
    /// end of the inputs. The same documents as ``nextBatch(targetBytes:)``.
    public func nextFlatBatch(targetBytes: Int = 4 << 20) throws(CorpusError) -> FlatBatch? {
        var batch = FlatBatch()
        return try nextFlatBatch(into: &batch, targetBytes: targetBytes) ? batch : nil
    }

    /// As ``nextFlatBatch(targetBytes:)``, into `batch`, whose buffers are emptied and reused: a
    /// fresh multi-megabyte buffer per batch is fresh memory the kernel zeroes page by page (a third
    /// of `tokkit encode --docs lines`' time). `false` at the end of the inputs.
    public func nextFlatBatch(into batch: inout FlatBatch, targetBytes: Int = 4 << 20) throws(CorpusError) -> Bool {
        batch.text.removeAll(keepingCapacity: true)
        batch.boundaries.removeAll(keepingCapacity: true)
        batch.boundaries.append(0)
        batch.origins.removeAll(keepingCapacity: true)
        batch.bytesRead = 0
        batch.text.reserveCapacity(targetBytes + targetBytes / 4)
        while batch.bytesRead < targetBytes {
            guard try nextDocument(appendingTo: &batch.text, &batch.bytesRead) else { break }
            batch.boundaries.append(batch.text.count)
            batch.origins.append(lastOrigin)
        }
        return !(batch.origins.isEmpty && batch.bytesRead == 0)
    }

    /// Appends the next document to `output`; `false` at the end of the inputs.
    private func nextDocument(appendingTo output: inout [UInt8], _ bytes: inout Int) throws(CorpusError) -> Bool {
        do {
            guard let document = try nextDocument(&bytes) else { return false }
            try finish(document, into: &output)
            return true
        } catch {
            throw current?.explained(error) ?? error
        }
    }

    /// A document not yet checked for UTF-8: its bytes and where they come from.
    private struct RawDocument {
        var bytes: ArraySlice<UInt8>
        var path: String
        var line: Int
        var fileOffset: Int
    }

    private func nextDocument(_ bytes: inout Int) throws(CorpusError) -> RawDocument? {
        while true {
            if current == nil {
                guard !pending.isEmpty else { return flushParagraph() }
                let path = pending.removeFirst()
                current = try LineSource(path: path)
                statistics.files += 1
                if case .text(.file) = format {
                    let whole = try current!.readAll()
                    bytes += whole.count
                    statistics.bytes += whole.count
                    current = nil
                    return RawDocument(bytes: whole[...], path: path, line: 1, fileOffset: 0)
                }
            }
            guard let source = current else { continue }
            guard let line = try source.nextLine(keepingTerminator: keepLineTerminators) else {
                current = nil
                if let last = flushParagraph() { return last }
                continue
            }
            bytes += line.consumed
            statistics.bytes += line.consumed
            switch format {
            case .text(.lines):
                return RawDocument(bytes: line.slice, path: source.path, line: line.number, fileOffset: line.offset)
            case .text(.paragraphs):
                if line.slice.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                    if let done = flushParagraph() { return done }
                } else {
                    if paragraph.isEmpty {
                        paragraphLine = line.number
                        paragraphPath = source.path
                    } else {
                        paragraph.append(UInt8(ascii: "\n"))
                    }
                    paragraph += line.slice
                }
            case .text(.file):
                continue
            case .jsonl(let field):
                if line.slice.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
                var bytes = line.bytes
                // JSON text is UTF-8 (RFC 8259): invalid bytes inside a string used to surface as "no string
                // field". They are what they are: repaired first under --lossy, else skipped or an error.
                if let bad = UTF8Validation.firstInvalidOffset(bytes) {
                    if lossy {
                        bytes = UTF8Validation.repaired(bytes)
                        statistics.repairedDocuments += 1
                    } else if skipBadLines {
                        statistics.skipped.record(path: source.path, line: line.number, reason: "invalid UTF-8 at byte \(line.offset + bad)")
                        continue
                    } else {
                        throw .invalidUTF8(path: source.path, line: line.number, byteOffset: line.offset + bad)
                    }
                }
                guard let text = try extract(field, from: bytes, path: source.path, line: line.number) else { continue }
                return RawDocument(bytes: text[...], path: source.path, line: line.number, fileOffset: line.offset)
            }
        }
    }

    private func flushParagraph() -> RawDocument? {
        guard !paragraph.isEmpty else { return nil }
        let done = paragraph
        paragraph = []
        // Paragraph offsets are not tracked line by line; the error names the paragraph's first line.
        return RawDocument(bytes: done[...], path: paragraphPath, line: paragraphLine, fileOffset: -1)
    }

    /// Checks `document` is UTF-8 (or repairs it under `lossy`) and appends it to `output`.
    private func finish(_ document: RawDocument, into output: inout [UInt8]) throws(CorpusError) {
        statistics.documents += 1
        lastOrigin = DocumentOrigin(path: document.path, line: document.line)
        guard let bad = document.bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) else {
            if output.isEmpty { output = Array(document.bytes) } else { output += document.bytes }
            return
        }
        guard lossy else {
            throw .invalidUTF8(path: document.path, line: document.line,
                               byteOffset: document.fileOffset >= 0 ? document.fileOffset + bad : bad)
        }
        statistics.repairedDocuments += 1
        output += UTF8Validation.repaired(Array(document.bytes))
    }

    /// The string `field` of the JSON object on `line`.
    ///
    /// Parsed with ``JSONParser``, as every JSONL reader of Tokkit is: a duplicate key takes the last
    /// value, as in Python's `json` (Foundation's `JSONDecoder` took the first), and every byte of a
    /// string is kept (`JSONSerialization` drops a U+FEFF at the start of a string on Linux).
    private func extract(_ field: String, from line: [UInt8], path: String, line number: Int) throws(CorpusError) -> [UInt8]? {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return try skip(.notJSON(path: path, line: number, reason: error.description), path: path, line: number, reason: "not JSON: \(error.description)")
        }
        guard case .object(let object) = value else {
            return try skip(.notJSON(path: path, line: number, reason: "the line is JSON but not an object"), path: path, line: number, reason: "not a JSON object")
        }
        switch object[field] {
        case .string(let text)?:
            return Array(text.utf8)
        case nil:
            return try skip(.missingField(path: path, line: number, field: field), path: path, line: number, reason: "no field \(field.debugDescription)")
        case let other?:
            let kind = DocumentAdapter.kind(of: other)
            return try skip(.nonStringField(path: path, line: number, field: field, found: kind), path: path, line: number, reason: "\(field.debugDescription) is \(kind)")
        }
    }

    /// Records a skipped line under `skipBadLines` (and returns `nil`: no document), else throws `error`.
    private func skip(_ error: CorpusError, path: String, line: Int, reason: String) throws(CorpusError) -> [UInt8]? {
        guard skipBadLines else { throw error }
        statistics.skipped.record(path: path, line: line, reason: reason)
        return nil
    }
}

/// Where a document starts: its file and 1-based line.
public struct DocumentOrigin: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var description: String { "\(path):\(line)" }
}

/// Reads one file (or standard input) line by line through a fixed-size buffer, decompressing
/// gzip and zstd input on the way (`InputReader`).
final class LineSource {
    struct Line {
        /// The line's bytes, still in the source's buffer (no copy): use before the next `nextLine`.
        var slice: ArraySlice<UInt8>
        /// The line's bytes, copied.
        var bytes: [UInt8] { Array(slice) }
        var number: Int
        /// Offset of the line's first byte in the (uncompressed) file.
        var offset: Int
        /// Bytes consumed, including the line terminator.
        var consumed: Int
    }

    let path: String
    private let input: InputReader
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var lineNumber = 0
    private var fileOffset = 0

    init(path: String) throws(CorpusError) {
        input = try InputReader(path: path)
        self.path = input.path
    }

    private func refill() throws(CorpusError) {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        if try !input.read(appendingTo: &buffer) { atEnd = true }
    }

    /// The next line without its terminator (`\n`, and a `\r` before it), or with it when
    /// `keepingTerminator`; `nil` at the end.
    func nextLine(keepingTerminator: Bool = false) throws(CorpusError) -> Line? {
        var searchFrom = position
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if keepingTerminator {
                    end = newline + 1
                } else if end > position, buffer[end - 1] == UInt8(ascii: "\r") {
                    end -= 1
                }
                return emit(buffer[position..<end], consumed: newline + 1 - position)
            }
            if atEnd {
                guard position < buffer.count else { return nil }
                return emit(buffer[position...], consumed: buffer.count - position)
            }
            searchFrom = buffer.count - position
            try refill()
        }
    }

    private func emit(_ bytes: ArraySlice<UInt8>, consumed: Int) -> Line {
        lineNumber += 1
        let line = Line(slice: bytes, number: lineNumber, offset: fileOffset, consumed: consumed)
        position += consumed
        fileOffset += consumed
        return line
    }

    /// See ``InputReader/corruption()``.
    func corruption() -> CorpusError? { input.corruption() }

    /// `error`, or the decompression error that explains it when this is a corrupt compressed file
    /// (a read error is its own explanation).
    func explained(_ error: CorpusError) -> CorpusError {
        switch error {
        case .invalidUTF8, .notJSON, .missingField, .nonStringField: return corruption() ?? error
        default: return error
        }
    }

    func readAll() throws(CorpusError) -> [UInt8] {
        while !atEnd { try refill() }
        let all = Array(buffer[position...])
        position = buffer.count
        return all
    }
}
