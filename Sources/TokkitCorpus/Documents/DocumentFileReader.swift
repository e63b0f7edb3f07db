import TokkitCore
import TokkitIO

/// Reads the documents of one input file (or standard input) as ``Document``s, one at a time.
///
/// JSONL goes through ``DocumentAdapter`` (datatrove's adapter rules); plain text is cut into
/// lines, paragraphs or the whole file as ``DocumentSplit`` says, each document with the id
/// `"<path>/<index>"` and no metadata. gzip and zstd are read as they stream (``InputReader``).
/// Memory is one read buffer plus the current line: a file of any size streams.
///
/// ```swift
/// let reader = try DocumentFileReader(path: "raw/part-0.jsonl.gz", idPath: "part-0.jsonl.gz", format: .jsonl(DocumentAdapter()))
/// while let document = try reader.next() { process(document) }
/// ```
public final class DocumentFileReader {
    /// How a file is cut into documents.
    public enum Format: Sendable, Hashable {
        case jsonl(DocumentAdapter)
        case text(DocumentSplit)
    }

    /// What was read from this file.
    public struct Statistics: Sendable, Equatable {
        /// Lines read (JSONL and line-split text), blank ones included.
        public var lines = 0
        public var documents = 0
        /// Uncompressed bytes read, line terminators included.
        public var bytes = 0
        /// Records whose text was the empty string (skipped, as datatrove does).
        public var emptyDocuments = 0
        /// Lines skipped under `skipBadLines`, with the first few places.
        public var skipped = SkippedLines()
        /// How many lines `skipBadLines` skipped.
        public var badLines: Int { skipped.count }
        /// Lines or documents in which `lossy` replaced invalid UTF-8 with U+FFFD.
        public var repaired = 0
    }

    public let path: String
    /// The path used in default ids (`"<idPath>/<line index>"`).
    public let idPath: String
    public let format: Format
    public let skipBadLines: Bool
    public let lossy: Bool
    public private(set) var statistics = Statistics()
    /// The 1-based line of the document `next()` returned last (for text files: its first line).
    public private(set) var lastLine = 0

    private let source: LineSource
    private var finished = false

    /// Opens `path` (`-` for standard input).
    /// - Throws: ``CorpusError`` when it cannot be opened or its compression is not what its name says.
    public init(path: String, idPath: String? = nil, format: Format, skipBadLines: Bool = false, lossy: Bool = false) throws(CorpusError) {
        self.source = try LineSource(path: path)
        self.path = source.path
        self.idPath = idPath ?? source.path
        self.format = format
        self.skipBadLines = skipBadLines
        self.lossy = lossy
    }

    /// The next document, or `nil` at the end of the file.
    /// - Throws: ``CorpusError`` for a line that is not a JSON object, a record without a string
    ///   text (unless `skipBadLines`), invalid UTF-8 (unless `lossy`), or a read error.
    public func next() throws(CorpusError) -> Document? {
        do { return try nextDocument() } catch { throw source.explained(error) }
    }

    private func nextDocument() throws(CorpusError) -> Document? {
        guard !finished else { return nil }
        switch format {
        case .jsonl(let adapter):
            while let line = try source.nextLine() {
                statistics.lines += 1
                statistics.bytes += line.consumed
                // A blank line is no record (datatrove logs and skips it); it still counts for line indices.
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                let bytes = try valid(line.bytes, line: line.number, fileOffset: line.offset)
                let parsed: Result<JSONValue, JSONSyntaxError>
                do { parsed = .success(try JSONParser.parse(bytes)) } catch { parsed = .failure(error) }
                let record: JSONObject
                switch parsed {
                case .success(.object(let object)):
                    record = object
                case .success:
                    try bad(.notJSON(path: path, line: line.number, reason: "the line is JSON but not an object"), line: line.number, reason: "not a JSON object")
                    continue
                case .failure(let error):
                    try bad(.notJSON(path: path, line: line.number, reason: error.description), line: line.number, reason: "not JSON: \(error.description)")
                    continue
                }
                switch adapter.adapt(record, path: idPath, lineIndex: line.number - 1) {
                case .document(let document):
                    statistics.documents += 1
                    lastLine = line.number
                    return document
                case .empty:
                    statistics.emptyDocuments += 1
                case .missingText:
                    try bad(.missingField(path: path, line: line.number, field: adapter.textKey), line: line.number,
                            reason: "no field \(adapter.textKey.debugDescription)")
                case .nonStringText(let kind):
                    try bad(.nonStringField(path: path, line: line.number, field: adapter.textKey, found: kind), line: line.number,
                            reason: "\(adapter.textKey.debugDescription) is \(kind)")
                }
            }
        case .text(.file):
            finished = true
            let whole = try source.readAll()
            statistics.bytes += whole.count
            lastLine = 1
            return try textDocument(whole, line: 1, fileOffset: 0)
        case .text(.lines):
            while let line = try source.nextLine() {
                statistics.lines += 1
                statistics.bytes += line.consumed
                lastLine = line.number
                if let document = try textDocument(line.bytes, line: line.number, fileOffset: line.offset) { return document }
            }
        case .text(.paragraphs):
            var paragraph: [UInt8] = []
            var firstLine = 0
            while let line = try source.nextLine() {
                statistics.lines += 1
                statistics.bytes += line.consumed
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    if !paragraph.isEmpty {
                        lastLine = firstLine
                        return try textDocument(paragraph, line: firstLine, fileOffset: -1)
                    }
                    continue
                }
                if paragraph.isEmpty { firstLine = line.number } else { paragraph.append(0x0A) }
                paragraph += line.bytes
            }
            if !paragraph.isEmpty {
                lastLine = firstLine
                return try textDocument(paragraph, line: firstLine, fileOffset: -1)
            }
        }
        finished = true
        return nil
    }

    /// Records a bad line under `skipBadLines` (the caller skips it), otherwise throws `error`.
    private func bad(_ error: CorpusError, line: Int, reason: String) throws(CorpusError) {
        guard skipBadLines else { throw error }
        statistics.skipped.record(path: path, line: line, reason: reason)
    }

    private func valid(_ bytes: [UInt8], line: Int, fileOffset: Int) throws(CorpusError) -> [UInt8] {
        guard let bad = UTF8Validation.firstInvalidOffset(bytes) else { return bytes }
        guard lossy else {
            throw .invalidUTF8(path: path, line: line, byteOffset: fileOffset >= 0 ? fileOffset + bad : bad)
        }
        statistics.repaired += 1
        return UTF8Validation.repaired(bytes)
    }

    private func textDocument(_ bytes: [UInt8], line: Int, fileOffset: Int) throws(CorpusError) -> Document? {
        let text = String(decoding: try valid(bytes, line: line, fileOffset: fileOffset), as: UTF8.self)
        guard !text.isEmpty else {
            statistics.emptyDocuments += 1
            return nil
        }
        let document = Document(id: "\(idPath)/\(statistics.documents + statistics.emptyDocuments)", text: text)
        statistics.documents += 1
        return document
    }
}
