import TokkitCore
import TokkitIO

/// The one reading loop under both document readers: cuts one file into documents (lines,
/// blank-line-separated paragraphs, the whole file, or JSONL records), checks their UTF-8 (repairing
/// it under `lossy`), and throws or, under `skipBadLines`, counts a bad line.
///
/// ``DocumentReader`` (bytes in batches, for encode, train, count and shard) and
/// ``DocumentFileReader`` (``Document``s with ids and metadata, for prep and curation) differ only in
/// what they make of a piece: which JSON field is the text, whether an empty text is a document. What
/// a line, a paragraph, a blank JSONL line or a bad line is, and what each costs in statistics, is
/// decided here once, so `tokkit encode` and `tokkit prep` read the same file the same way.
final class DocumentCutter {
    /// How the file is cut.
    enum Cut {
        /// Each line; with `keepingTerminators`, its `\n` or `\r\n` stays (see ``DocumentReader/keepLineTerminators``).
        case lines(keepingTerminators: Bool)
        case paragraphs
        case file
        /// JSONL records, each handed out whole (``Piece/record(_:line:)``).
        case jsonl
        /// JSONL records, each handed out as the string under `field` (``Piece/text(_:line:)``): the
        /// same records accepted and refused as `.jsonl` with the reader's field check, without
        /// building each record's object (see ``JSONParser/stringField(_:in:appendingTo:)``).
        case jsonlText(field: String)

        /// The cut for plain text split as `split`.
        init(_ split: DocumentSplit, keepingTerminators: Bool = false) {
            switch split {
            case .lines: self = .lines(keepingTerminators: keepingTerminators)
            case .paragraphs: self = .paragraphs
            case .file: self = .file
            }
        }
    }

    /// One piece of the file.
    enum Piece {
        /// A line, a paragraph or the whole file; valid UTF-8 (repaired under `lossy`). `line` is its
        /// (first) 1-based line. A line is still in the read buffer (no copy per line): use the
        /// slice before the next call to ``next()``.
        case text(ArraySlice<UInt8>, line: Int)
        /// A non-blank JSONL line that is a JSON object.
        case record(JSONObject, line: Int)
    }

    let source: LineSource
    let cut: Cut
    let skipBadLines: Bool
    let lossy: Bool
    /// What was read; a reader adds its own document counts.
    var statistics = ReadStatistics()
    private var finished = false
    /// The text of the last `.jsonlText` record, reused from record to record.
    private var fieldText: [UInt8] = []

    init(path: String, cut: Cut, skipBadLines: Bool, lossy: Bool) throws(CorpusError) {
        source = try LineSource(path: path)
        self.cut = cut
        self.skipBadLines = skipBadLines
        self.lossy = lossy
    }

    var path: String { source.path }

    /// The next piece, or `nil` at the end of the file.
    /// - Throws: ``CorpusError`` for invalid UTF-8 (unless `lossy`), a JSONL line that is not a JSON
    ///   object (unless `skipBadLines`), or a read error; where the file is a corrupt compressed one,
    ///   the decompression error that explains it.
    func next() throws(CorpusError) -> Piece? {
        do { return try nextPiece() } catch { throw source.explained(error) }
    }

    /// Whether ``appendLines(to:targetBytes:)`` serves this cut.
    var cutsLines: Bool {
        if case .lines = cut { return true }
        return false
    }

    /// `.lines` only: appends lines, each a document, to `batch` until it has read `targetBytes` or the
    /// file ends (`false`). The same documents, origins, statistics and errors as a `next()` per line;
    /// the counts live in locals for the whole run instead of being read and written on this class (an
    /// access check each) per line, and no piece is made per line.
    func appendLines(to batch: inout DocumentReader.FlatBatch, targetBytes: Int) throws(CorpusError) -> Bool {
        do { return try appendingLines(to: &batch, targetBytes: targetBytes) } catch { throw source.explained(error) }
    }

    private func appendingLines(to batch: inout DocumentReader.FlatBatch, targetBytes: Int) throws(CorpusError) -> Bool {
        guard case .lines(let keepingTerminators) = cut, !finished else { return false }
        let path = self.path
        var lines = 0, bytes = 0, documents = 0
        defer {
            statistics.lines += lines
            statistics.bytes += bytes
            statistics.documents += documents
        }
        while batch.bytesRead < targetBytes {
            guard let line = try source.nextLine(keepingTerminator: keepingTerminators) else {
                finished = true
                return false
            }
            lines += 1
            bytes += line.consumed
            batch.bytesRead += line.consumed
            batch.text += try valid(line.slice, line: line.number, fileOffset: line.offset)
            batch.boundaries.append(batch.text.count)
            batch.origins.append(DocumentOrigin(path: path, line: line.number))
            documents += 1
        }
        return true
    }

    private func nextPiece() throws(CorpusError) -> Piece? {
        guard !finished else { return nil }
        switch cut {
        case .file:
            finished = true
            let whole = try source.readAll()
            statistics.bytes += whole.count
            return .text(try valid(whole[...], line: 1, fileOffset: 0), line: 1)
        case .lines(let keepingTerminators):
            if let line = try nextLine(keepingTerminator: keepingTerminators) {
                return .text(try valid(line.slice, line: line.number, fileOffset: line.offset), line: line.number)
            }
        case .paragraphs:
            var paragraph: [UInt8] = []
            var firstLine = 0
            while let line = try nextLine() {
                if line.slice.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                    if paragraph.isEmpty { continue }
                    // Offsets are not tracked line by line inside a paragraph: an error names its first line.
                    return .text(try valid(paragraph[...], line: firstLine, fileOffset: -1), line: firstLine)
                }
                if paragraph.isEmpty { firstLine = line.number } else { paragraph.append(UInt8(ascii: "\n")) }
                paragraph += line.slice
            }
            if !paragraph.isEmpty {
                finished = true
                return .text(try valid(paragraph[...], line: firstLine, fileOffset: -1), line: firstLine)
            }
        case .jsonl, .jsonlText:
            while let line = try nextLine() {
                // A blank line is no record (datatrove logs and skips it); it still counts for line numbers.
                if line.slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                // JSON text is UTF-8 (RFC 8259): a line with invalid bytes is repaired under `lossy`, else
                // a bad line (skipped under `skipBadLines`), never "no string field".
                var bytes = line.slice
                if let bad = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) {
                    if lossy {
                        bytes = UTF8Validation.repaired(Array(bytes))[...]
                        statistics.repaired += 1
                    } else {
                        try reject(.invalidUTF8(path: path, line: line.number, byteOffset: line.offset + bad), line: line.number,
                                   reason: "invalid UTF-8 at byte \(line.offset + bad)")
                        continue
                    }
                }
                if let piece = try record(bytes, line: line.number) { return piece }
            }
        }
        finished = true
        return nil
    }

    /// The piece a non-blank JSONL line in valid UTF-8 makes, or `nil` for a bad line skipped under
    /// `skipBadLines`. Parsed with ``JSONParser``, as every JSONL reader of Tokkit is: a duplicate key
    /// takes the last value, as in Python's `json`, and every byte of a string is kept.
    private func record(_ bytes: ArraySlice<UInt8>, line: Int) throws(CorpusError) -> Piece? {
        enum Outcome {
            case piece(Piece)
            case notObject
            /// `.jsonlText`: the field is missing (`nil`) or holds this value, not a string.
            case noText(field: String, JSONValue?)
        }
        let outcome: Result<Outcome, JSONSyntaxError>
        if case .jsonlText(let field) = cut {
            fieldText.removeAll(keepingCapacity: true)
            outcome = Result { () throws(JSONSyntaxError) in
                switch try JSONParser.stringField(field, in: bytes, appendingTo: &fieldText) {
                case .string: return .piece(.text(fieldText[...], line: line))
                case .missing: return .noText(field: field, nil)
                case .other(let value): return .noText(field: field, value)
                case .notObject: return .notObject
                }
            }
        } else {
            outcome = Result { () throws(JSONSyntaxError) in
                guard case .object(let record) = try JSONParser.parse(Array(bytes)) else { return .notObject }
                return .piece(.record(record, line: line))
            }
        }
        switch outcome {
        case .success(.piece(let piece)):
            return piece
        case .success(.noText(let field, let value)):
            try rejectText(value, key: field, line: line)
        case .success(.notObject):
            try reject(.notJSON(path: path, line: line, reason: "the line is JSON but not an object"), line: line, reason: "not a JSON object")
        case .failure(let error):
            try reject(.notJSON(path: path, line: line, reason: error.description), line: line, reason: "not JSON: \(error.description)")
        }
        return nil
    }

    /// Refuses a record's text: `value` is what the record holds under `key` (`nil`: nothing).
    /// Throws, or records the line under `skipBadLines` (the caller skips the record).
    func rejectText(_ value: JSONValue?, key: String, line: Int) throws(CorpusError) {
        if let value {
            let kind = DocumentAdapter.kind(of: value)
            try reject(.nonStringField(path: path, line: line, field: key, found: kind), line: line, reason: "\(key.debugDescription) is \(kind)")
        } else {
            try reject(.missingField(path: path, line: line, field: key), line: line, reason: "no field \(key.debugDescription)")
        }
    }

    /// Records a bad line under `skipBadLines` (the caller skips it), otherwise throws `error`.
    private func reject(_ error: CorpusError, line: Int, reason: String) throws(CorpusError) {
        guard skipBadLines else { throw error }
        statistics.skipped.record(path: path, line: line, reason: reason)
    }

    private func nextLine(keepingTerminator: Bool = false) throws(CorpusError) -> LineSource.Line? {
        guard let line = try source.nextLine(keepingTerminator: keepingTerminator) else { return nil }
        statistics.lines += 1
        statistics.bytes += line.consumed
        return line
    }

    private func valid(_ bytes: ArraySlice<UInt8>, line: Int, fileOffset: Int) throws(CorpusError) -> ArraySlice<UInt8> {
        guard let bad = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) else { return bytes }
        guard lossy else {
            throw .invalidUTF8(path: path, line: line, byteOffset: fileOffset >= 0 ? fileOffset + bad : bad)
        }
        statistics.repaired += 1
        return UTF8Validation.repaired(Array(bytes))[...]
    }
}
