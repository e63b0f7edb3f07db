import TokkitCore
import TokkitIO

/// Reads the documents of one input file (or standard input) as ``Document``s, one at a time.
///
/// JSONL goes through ``DocumentAdapter`` (datatrove's adapter rules); plain text is cut into
/// lines, paragraphs or the whole file as ``DocumentSplit`` says, each document with the id
/// `"<path>/<index>"` and no metadata. gzip and zstd are read as they stream (``InputReader``).
/// Memory is one read buffer plus the current line: a file of any size streams. Lines, paragraphs
/// and bad lines are cut by the same loop as ``DocumentReader``'s (`DocumentCutter`).
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

    public let path: String
    /// The path used in default ids (`"<idPath>/<line index>"`).
    public let idPath: String
    public let format: Format
    public var skipBadLines: Bool { cutter.skipBadLines }
    public var lossy: Bool { cutter.lossy }
    /// What was read from this file.
    public var statistics: ReadStatistics { cutter.statistics }
    /// The 1-based line of the document `next()` returned last (for text files: its first line).
    public private(set) var lastLine = 0

    private let cutter: DocumentCutter

    /// Opens `path` (`-` for standard input).
    /// - Throws: ``CorpusError`` when it cannot be opened or its compression is not what its name says.
    public init(path: String, idPath: String? = nil, format: Format, skipBadLines: Bool = false, lossy: Bool = false) throws(CorpusError) {
        let cut: DocumentCutter.Cut
        switch format {
        case .jsonl: cut = .jsonl
        case .text(let split): cut = DocumentCutter.Cut(split)
        }
        cutter = try DocumentCutter(path: path, cut: cut, skipBadLines: skipBadLines, lossy: lossy)
        cutter.statistics.files = 1
        self.path = cutter.path
        self.idPath = idPath ?? cutter.path
        self.format = format
    }

    /// The next document, or `nil` at the end of the file. A text that is the empty string is
    /// skipped and counted (``ReadStatistics/emptyDocuments``), as datatrove skips it.
    /// - Throws: ``CorpusError`` for a line that is not a JSON object, a record without a string
    ///   text (unless `skipBadLines`), invalid UTF-8 (unless `lossy`), or a read error.
    public func next() throws(CorpusError) -> Document? {
        while let piece = try cutter.next() {
            switch piece {
            case .record(let record, let line):
                switch adapter.adapt(record, path: idPath, lineIndex: line - 1) {
                case .document(let document):
                    return emit(document, line: line)
                case .empty:
                    cutter.statistics.emptyDocuments += 1
                case .missingText, .nonStringText:
                    try cutter.rejectText(record[adapter.textKey], key: adapter.textKey, line: line)
                }
            case .text(let bytes, let line):
                guard !bytes.isEmpty else {
                    cutter.statistics.emptyDocuments += 1
                    continue
                }
                // Plain text has no ids: the index counts every text, empty ones included.
                let id = "\(idPath)/\(cutter.statistics.documents + cutter.statistics.emptyDocuments)"
                return emit(Document(id: id, text: String(decoding: bytes, as: UTF8.self)), line: line)
            }
        }
        return nil
    }

    private var adapter: DocumentAdapter {
        if case .jsonl(let adapter) = format { return adapter }
        return DocumentAdapter()
    }

    private func emit(_ document: Document, line: Int) -> Document {
        cutter.statistics.documents += 1
        lastLine = line
        return document
    }
}
