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
        /// Each document's 1-based line in its file.
        public private(set) var lines: [Int] = []
        /// The files of the documents: each path with the index of the first document read from it, in
        /// reading order. A file that gave no document may stand before the one that gives the next.
        ///
        /// Why not a ``DocumentOrigin`` per document: storing one retained the path's string for every
        /// line and released it when the batch was emptied (about 70 instructions a document, callgrind,
        /// `tokkit encode --docs lines` of 10 MB of public_en).
        private var files: [(path: String, firstDocument: Int)] = []
        /// Bytes read from the inputs for this batch (including separators), for progress reports.
        public var bytesRead = 0

        public init() {}

        /// The number of documents.
        public var count: Int { lines.count }

        /// The bytes of document `index`.
        public subscript(index: Int) -> ArraySlice<UInt8> { text[boundaries[index]..<boundaries[index + 1]] }

        /// Where document `index` starts.
        /// - Complexity: O(log of the number of files in the batch).
        public func origin(of index: Int) -> DocumentOrigin {
            // The last file whose first document is at most `index`.
            var low = 0, high = files.count
            while high - low > 1 {
                let middle = (low + high) / 2
                if files[middle].firstDocument <= index { low = middle } else { high = middle }
            }
            return DocumentOrigin(path: files[low].path, line: lines[index])
        }

        /// Where each document starts, for error messages.
        public var origins: [DocumentOrigin] { (0..<count).map(origin(of:)) }

        /// Empties the batch, keeping its buffers' capacity.
        mutating func removeAll() {
            text.removeAll(keepingCapacity: true)
            boundaries.removeAll(keepingCapacity: true)
            boundaries.append(0)
            lines.removeAll(keepingCapacity: true)
            files.removeAll(keepingCapacity: true)
            bytesRead = 0
        }

        /// Notes that the documents appended next come from `path`, until another file is named.
        mutating func reading(_ path: String) {
            if files.last?.path != path { files.append((path, count)) }
        }

        /// Closes the document just appended to `text`, at `line` of the file named last (``reading(_:)``).
        @inline(__always)
        mutating func endDocument(line: Int) {
            boundaries.append(text.count)
            lines.append(line)
        }

        /// Appends one document per span of `source` (`spans` holds start, end, start, end… offsets), the
        /// documents at consecutive lines from `firstLine` of the file named last: what an `endDocument`
        /// per span after its bytes makes, with one capacity check per array for all of them.
        ///
        /// Why: a line a document, the three appends per line (each a uniqueness check, a runtime call)
        /// were a third of reading `tokkit encode --docs lines`' input.
        @inline(__always)
        mutating func appendDocuments(_ spans: UnsafeBufferPointer<Int>, of source: UnsafePointer<UInt8>, firstLine: Int) {
            let count = spans.count / 2
            guard count > 0 else { return }
            var total = 0
            for k in 0..<count { total &+= spans[2 &* k &+ 1] &- spans[2 &* k] }
            var end = text.count
            text.makeRoom(for: total)
            text.append(addingCapacity: total) { span in
                span.withUnsafeMutableBufferPointer { room, initialized in
                    guard let target = room.baseAddress else { return }
                    for k in 0..<count {
                        let start = spans[2 &* k], length = spans[2 &* k &+ 1] &- start
                        (target + initialized).update(from: source + start, count: length)
                        initialized &+= length
                    }
                }
            }
            boundaries.makeRoom(for: count)
            boundaries.append(addingCapacity: count) { span in
                span.withUnsafeMutableBufferPointer { room, initialized in
                    for k in 0..<count {
                        end &+= spans[2 &* k &+ 1] &- spans[2 &* k]
                        room[k] = end
                    }
                    initialized = count
                }
            }
            appendLines(count, from: firstLine)
        }

        /// Appends up to `maxDocuments` documents that `decode` stores in one call, at consecutive lines from
        /// `firstLine` of the file named last: given `room` bytes (all of which it may use as scratch), it stores
        /// the documents one after another, the end of each (an offset in the room) in `ends`, and returns how
        /// many.
        ///
        /// Why: a JSONL record's text is decoded straight into the batch, and a run of records costs the
        /// batch one capacity check per array and one call, as a run of lines does.
        @inline(__always)
        mutating func appendDocuments(firstLine: Int, room total: Int, maxDocuments: Int,
                                      decoding decode: (_ room: UnsafeMutablePointer<UInt8>, _ ends: UnsafeMutablePointer<Int>) -> Int) {
            guard total > 0, maxDocuments > 0 else { return }
            let start = text.count
            var taken = 0
            text.makeRoom(for: total)
            withUnsafeTemporaryAllocation(of: Int.self, capacity: maxDocuments) { ends in
                guard let ends = ends.baseAddress else { return }
                text.append(addingCapacity: total) { span in
                    span.withUnsafeMutableBufferPointer { room, initialized in
                        guard let target = room.baseAddress else { return }
                        taken = decode(target, ends)
                        initialized = taken > 0 ? ends[taken &- 1] : 0
                    }
                }
                boundaries.makeRoom(for: taken)
                boundaries.append(addingCapacity: taken) { span in
                    span.withUnsafeMutableBufferPointer { room, initialized in
                        for k in 0..<taken { room[k] = start &+ ends[k] }
                        initialized = taken
                    }
                }
            }
            appendLines(taken, from: firstLine)
        }

        /// The line numbers of `count` documents just appended, consecutive from `firstLine`.
        @inline(__always)
        private mutating func appendLines(_ count: Int, from firstLine: Int) {
            guard count > 0 else { return }
            lines.makeRoom(for: count)
            lines.append(addingCapacity: count) { span in
                span.withUnsafeMutableBufferPointer { room, initialized in
                    for k in 0..<count { room[k] = firstLine &+ k }
                    initialized = count
                }
            }
        }
    }

    public let format: DocumentFormat
    public let skipBadLines: Bool
    public let lossy: Bool
    /// With `.text(.lines)`: each document keeps its line's `\n` (or `\r\n`); a last line without
    /// one stays as it is. This is what Hugging Face's `tokenizer.train(files)` trains on (it reads
    /// with Rust's `read_line`, which keeps the terminator), and it changes the merges: `"\n"` and
    /// the pieces before it are counted.
    public let keepLineTerminators: Bool
    /// What was read so far, over every file.
    public var statistics: ReadStatistics {
        var all = finished
        if let current { all.add(current.statistics) }
        return all
    }
    /// The files the inputs expand to, in reading order (`-` for standard input).
    public let files: [String]
    /// Entries of input directories left out because they are not regular files (see ``DirectoryWalker``).
    public let skipped: [DirectoryWalker.Skipped]

    private var pending: [String]
    /// The file being read, cut by the one loop that ``DocumentFileReader`` uses too.
    private var current: DocumentCutter?
    /// The statistics of the files read to the end.
    private var finished = ReadStatistics()
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
        batch.removeAll()
        batch.text.reserveCapacity(targetBytes + targetBytes / 4)
        // The target is checked before each document is sought, never between a file's end and the
        // next file's first document (`nextDocument` crosses files within one call).
        var seeking = false
        while seeking || batch.bytesRead < targetBytes {
            if let cutter = try currentCutter(), cutter.cutsLines || cutter.cutsRecords {
                let before = batch.count
                let more = cutter.cutsLines ? try cutter.appendLines(to: &batch, targetBytes: targetBytes)
                                            : try cutter.appendRecords(to: &batch, targetBytes: targetBytes)
                if batch.count > before { lastOrigin = batch.origin(of: batch.count - 1) }
                if !more {
                    current = nil
                    finished.add(cutter.statistics)
                }
                // A file ends only while a document is sought (the cutter stops right after a document when
                // the target is reached); the search goes on in the next file.
                seeking = !more
                continue
            }
            seeking = false
            guard try nextDocument(appendingTo: &batch.text, &batch.bytesRead) else { break }
            batch.reading(lastOrigin.path)
            batch.endDocument(line: lastOrigin.line)
        }
        return !(batch.count == 0 && batch.bytesRead == 0)
    }

    /// Appends the next document of the inputs to `output` and the bytes read for it to `bytes`;
    /// `false` at the end of the inputs. Empty documents are handed on (an empty line is a document
    /// for `encode --docs lines`). A line goes from the read buffer into `output` with no array of its own.
    private func nextDocument(appendingTo output: inout [UInt8], _ bytes: inout Int) throws(CorpusError) -> Bool {
        while true {
            guard let cutter = try currentCutter() else { return false }
            let before = cutter.statistics.bytes
            let piece = try cutter.next()
            bytes += cutter.statistics.bytes - before
            switch piece {
            case nil:
                current = nil
                finished.add(cutter.statistics)
            case .text(let text, let line)?:
                if output.isEmpty { output = Array(text) } else { output += text }
                emit(path: cutter.path, line: line, in: cutter)
                return true
            case .record?:
                // Not made by the cuts below: JSONL is cut as `.jsonlText`, its field's text handed out as `.text`.
                continue
            }
        }
    }

    /// The file being read, opening the next one when the last is done; `nil` after the last file.
    private func currentCutter() throws(CorpusError) -> DocumentCutter? {
        if let current { return current }
        guard !pending.isEmpty else { return nil }
        let cut: DocumentCutter.Cut
        switch format {
        case .jsonl(let field): cut = .jsonlText(field: field)
        case .text(let split): cut = DocumentCutter.Cut(split, keepingTerminators: keepLineTerminators)
        }
        let opened = try DocumentCutter(path: pending.removeFirst(), cut: cut, skipBadLines: skipBadLines, lossy: lossy)
        opened.statistics.files = 1
        current = opened
        return opened
    }

    private func emit(path: String, line: Int, in cutter: DocumentCutter) {
        cutter.statistics.documents += 1
        lastOrigin = DocumentOrigin(path: path, line: line)
    }
}

/// Where a document starts: its file and 1-based line.
public struct DocumentOrigin: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var description: String { "\(path):\(line)" }
}
