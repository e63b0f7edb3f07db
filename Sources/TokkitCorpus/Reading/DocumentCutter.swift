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
    /// `.jsonlText`'s field, prepared once for the parser.
    private let fieldKey: JSONParser.FieldKey?

    init(path: String, cut: Cut, skipBadLines: Bool, lossy: Bool) throws(CorpusError) {
        source = try LineSource(path: path)
        self.cut = cut
        self.skipBadLines = skipBadLines
        self.lossy = lossy
        if case .jsonlText(let field) = cut { fieldKey = JSONParser.FieldKey(field) } else { fieldKey = nil }
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

    /// Whether ``appendRecords(to:targetBytes:)`` serves this cut.
    var cutsRecords: Bool {
        if case .jsonlText = cut { return true }
        return false
    }

    /// `.lines` only: appends lines, each a document, to `batch`, the first whatever the batch holds (the
    /// caller checked its target), then until it has read `targetBytes`; `false` when the file ends. The
    /// same documents, origins, statistics and errors as a `next()` per line; the counts live in locals
    /// for the whole run instead of being read and written on this class (an access check each) per
    /// line, and a line goes from the read buffer into the batch with no piece or slice made for it.
    func appendLines(to batch: inout DocumentReader.FlatBatch, targetBytes: Int) throws(CorpusError) -> Bool {
        do { return try appendingLines(to: &batch, targetBytes: targetBytes) } catch { throw source.explained(error) }
    }

    /// `.jsonlText` only: as ``appendLines(to:targetBytes:)``, each record's text a document, parsed
    /// straight into the batch. Blank lines and bad lines skipped under `skipBadLines` are read on the
    /// way to the next record (their bytes count for the target, which is checked after each record
    /// only), so a batch ends where a `next()` per record ends it, and errors name the same lines.
    func appendRecords(to batch: inout DocumentReader.FlatBatch, targetBytes: Int) throws(CorpusError) -> Bool {
        do { return try appendingRecords(to: &batch, targetBytes: targetBytes) } catch { throw source.explained(error) }
    }

    private func appendingLines(to batch: inout DocumentReader.FlatBatch, targetBytes: Int) throws(CorpusError) -> Bool {
        guard case .lines(let keepingTerminators) = cut, !finished else { return false }
        // Runs of lines checked at once: a run of valid UTF-8 cut at line ends is valid lines. A refused run,
        // and a last line without `\n`, go line by line below, which names or repairs the bad bytes.
        batch.reading(path)
        var lines = 0, bytes = 0
        let run = try source.appendLines(keepingTerminator: keepingTerminators, to: &batch, targetBytes: targetBytes,
                                         lines: &lines, bytes: &bytes) { run, spans, base, firstLine, batch in
            guard UTF8Validation.firstInvalidOffset(run) == nil else { return 0 }
            batch.appendDocuments(spans, of: base, firstLine: firstLine)
            return spans.count / 2
        }
        statistics.lines += lines
        statistics.bytes += bytes
        statistics.documents += lines
        if run == .reachedTarget { return true }
        // Still under the target (or no line taken yet): the rest from the first line no run took.
        return try appendRun(to: &batch, targetBytes: targetBytes, keepingTerminators: keepingTerminators) { line, number, offset, text throws(CorpusError) in
            try appendValid(line, line: number, fileOffset: offset, to: &text)
            return true
        }
    }

    private func appendingRecords(to batch: inout DocumentReader.FlatBatch, targetBytes: Int) throws(CorpusError) -> Bool {
        guard case .jsonlText(let field) = cut, let key = fieldKey, !finished else { return false }
        // Runs of common records (``JSONParser/soleMemberRecords(_:in:from:lastLineWhole:budget:maxRecords:into:ends:acceptingNonASCII:)``)
        // decoded straight into the batch, each record's scan finding its line's end. From the first record a run
        // refuses (a blank line, another shape, bad bytes) to the batch's end, and a last line without `\n`,
        // records go one by one below, which reads, skips or names each as before.
        batch.reading(path)
        var lines = 0, bytes = 0
        let run = try source.appendRuns(to: &batch, targetBytes: targetBytes, lines: &lines, bytes: &bytes) { buffer, start, budget, firstLine, batch in
            var result: (lines: Int, end: Int, stop: LineSource.LineRun?) = (0, start, nil)
            let most = 1024
            batch.appendDocuments(firstLine: firstLine, room: buffer.count - start, maxDocuments: most) { room, ends in
                let (records, end, stop) = JSONParser.soleMemberRecords(key, in: buffer, from: start, lastLineWhole: false, budget: budget,
                                                                        maxRecords: most, into: room, ends: ends) {
                    UTF8Validation.firstInvalidOffset($0) == nil
                }
                result = (records, end, stop.map { $0 == .refused ? .refused : .reachedTarget })
                return records
            }
            return result
        }
        statistics.lines += lines
        statistics.bytes += bytes
        statistics.documents += lines
        if run == .reachedTarget { return true }
        return try appendRun(to: &batch, targetBytes: targetBytes, keepingTerminators: false) { line, number, offset, text throws(CorpusError) in
            if Self.appendSoleMemberText(key, of: line, to: &text) { return true }
            return try checkedRecord(line, line: number, fileOffset: offset) { record throws(CorpusError) in
                try appendField(field, of: record, line: number, soleMemberTried: true, to: &text) ? true : nil
            } != nil
        }
    }

    /// The common record (`{"text": "…"}`) read before any other check, its text appended (`true`); or
    /// `false`, `output` as it was, for the general path to read the line: then the same verdict, bytes and
    /// errors follow as without this step (``JSONParser/appendSoleMemberText(_:in:to:)``: what it takes,
    /// the parser takes with the same bytes, once the line is UTF-8).
    ///
    /// Why: the blank-line test, the UTF-8 check and the parse were three passes over every record; a
    /// record of plain ASCII (all of them, as `json.dumps` writes by default) now takes one.
    @inline(__always)
    private static func appendSoleMemberText(_ key: JSONParser.FieldKey, of line: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) -> Bool {
        let before = output.count
        switch JSONParser.appendSoleMemberText(key, in: line, to: &output) {
        case .refused: return false
        case .appended(asciiOnly: true): return true
        case .appended(asciiOnly: false):
            if UTF8Validation.firstInvalidOffset(line) == nil { return true }
            output.removeSubrange(before...)
            return false
        }
    }

    /// The loop of ``appendLines(to:targetBytes:)`` and ``appendRecords(to:targetBytes:)``: each line
    /// goes to `document`, which appends its document's text to the batch's (`true`) or makes none of
    /// it (`false`: a blank or skipped line); the target is checked after each document.
    @inline(__always)
    private func appendRun(to batch: inout DocumentReader.FlatBatch, targetBytes: Int, keepingTerminators: Bool,
                           _ document: (_ line: UnsafeBufferPointer<UInt8>, _ number: Int, _ offset: Int, _ text: inout [UInt8]) throws(CorpusError) -> Bool)
        throws(CorpusError) -> Bool {
        batch.reading(path)
        var lines = 0, bytes = 0, documents = 0
        defer {
            statistics.lines += lines
            statistics.bytes += bytes
            statistics.documents += documents
        }
        let more = try source.forEachLine(keepingTerminator: keepingTerminators) { line, number, offset, consumed throws(CorpusError) in
            lines += 1
            bytes += consumed
            batch.bytesRead += consumed
            guard try document(line, number, offset, &batch.text) else { return true }
            batch.endDocument(line: number)
            documents += 1
            return batch.bytesRead < targetBytes
        }
        if !more { finished = true }
        return more
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
                let piece = try line.slice.withUnsafeBufferPointer { bytes throws(CorpusError) in
                    try checkedRecord(bytes, line: line.number, fileOffset: line.offset) { record throws(CorpusError) -> Piece? in
                        guard case .jsonlText(let field) = cut else { return try wholeRecord(record, line: line.number) }
                        fieldText.removeAll(keepingCapacity: true)
                        return try appendField(field, of: record, line: line.number, to: &fieldText) ? .text(fieldText[...], line: line.number) : nil
                    }
                }
                if let piece { return piece }
            }
        }
        finished = true
        return nil
    }

    /// What `parse` makes of a JSONL line, given its bytes in valid UTF-8; `nil` for a blank line or a
    /// bad line skipped under `skipBadLines`.
    @inline(__always)
    private func checkedRecord<Made>(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, fileOffset: Int,
                                     _ parse: (UnsafeBufferPointer<UInt8>) throws(CorpusError) -> Made?) throws(CorpusError) -> Made? {
        // A blank line is no record (datatrove logs and skips it); it still counts for line numbers.
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        // JSON text is UTF-8 (RFC 8259): a line with invalid bytes is repaired under `lossy`, else
        // a bad line (skipped under `skipBadLines`), never "no string field".
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            guard lossy else {
                try reject(.invalidUTF8(path: path, line: line, byteOffset: fileOffset + bad), line: line,
                           reason: "invalid UTF-8 at byte \(fileOffset + bad)")
                return nil
            }
            statistics.repaired += 1
            return try UTF8Validation.repaired(Array(bytes)).withUnsafeBufferPointer { repaired throws(CorpusError) in try parse(repaired) }
        }
        return try parse(bytes)
    }

    /// The record a JSONL line in valid UTF-8 holds, or `nil` for a bad line skipped under
    /// `skipBadLines`. Parsed with ``JSONParser``, as every JSONL reader of Tokkit is: a duplicate key
    /// takes the last value, as in Python's `json`, and every byte of a string is kept.
    private func wholeRecord(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws(CorpusError) -> Piece? {
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(Array(bytes)) } catch {
            try rejectSyntax(error, line: line)
            return nil
        }
        guard case .object(let record) = parsed else {
            try rejectNotObject(line: line)
            return nil
        }
        return .record(record, line: line)
    }

    /// Appends the string under `field` of a JSONL line in valid UTF-8 to `output` (`true`), or leaves
    /// `output` as it was for a bad line skipped under `skipBadLines` (`false`). The same records are
    /// accepted and refused, with the same errors, as by ``wholeRecord(_:line:)`` and the reader's field check.
    @inline(__always)
    private func appendField(_ field: String, of bytes: UnsafeBufferPointer<UInt8>, line: Int, soleMemberTried: Bool = false,
                             to output: inout [UInt8]) throws(CorpusError) -> Bool {
        let found: JSONParser.Field
        do {
            found = try JSONParser.stringField(fieldKey ?? JSONParser.FieldKey(field), in: bytes, soleMemberTried: soleMemberTried, appendingTo: &output)
        } catch {
            try rejectSyntax(error, line: line)
            return false
        }
        switch found {
        case .string: return true
        case .missing: try rejectText(nil, key: field, line: line)
        case .other(let value): try rejectText(value, key: field, line: line)
        case .notObject: try rejectNotObject(line: line)
        }
        return false
    }

    private func rejectSyntax(_ error: JSONSyntaxError, line: Int) throws(CorpusError) {
        try reject(.notJSON(path: path, line: line, reason: error.description), line: line, reason: "not JSON: \(error.description)")
    }

    private func rejectNotObject(line: Int) throws(CorpusError) {
        try reject(.notJSON(path: path, line: line, reason: "the line is JSON but not an object"), line: line, reason: "not a JSON object")
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
        return try bytes.withUnsafeBufferPointer { bytes throws(CorpusError) in try repaired(bytes, bad: bad, line: line, fileOffset: fileOffset) }[...]
    }

    /// Appends `bytes` to `output` when they are valid UTF-8, repaired under `lossy`.
    @inline(__always)
    private func appendValid(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, fileOffset: Int, to output: inout [UInt8]) throws(CorpusError) {
        guard let bad = UTF8Validation.firstInvalidOffset(bytes) else {
            output.append(copying: bytes)
            return
        }
        output += try repaired(bytes, bad: bad, line: line, fileOffset: fileOffset)
    }

    /// `bytes`, invalid UTF-8 from offset `bad` on, repaired under `lossy`; otherwise the error naming
    /// the bad byte's offset in the file (`fileOffset` -1: offsets are not known, the offset in `bytes`).
    private func repaired(_ bytes: UnsafeBufferPointer<UInt8>, bad: Int, line: Int, fileOffset: Int) throws(CorpusError) -> [UInt8] {
        guard lossy else {
            throw .invalidUTF8(path: path, line: line, byteOffset: fileOffset >= 0 ? fileOffset + bad : bad)
        }
        statistics.repaired += 1
        return UTF8Validation.repaired(Array(bytes))
    }
}
