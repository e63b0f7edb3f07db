import Foundation
import Synchronization
import TokkitCorpus

/// The documents of a set of input files, read in a fixed order (files sorted as `DocumentReader`
/// expands them, documents in file order), for the corpus-wide curation stages (dedup,
/// decontamination, selection, mixing) that decide on one document by looking at others. A stage
/// reads its inputs once to decide and once more to write, so it holds per-document decisions, never
/// the text: memory grows with the number of documents, not their size.
public struct CorpusInput: Sendable {
    public var inputs: [String]
    public var format: DocumentFileReader.Format
    public var skipBadLines: Bool
    public var lossy: Bool
    /// The lines `skipBadLines` skipped, per file, shared by the copies of this input.
    private let skippedLog = SkippedLineLog()

    public init(inputs: [String], format: DocumentFileReader.Format = .jsonl(DocumentAdapter()), skipBadLines: Bool = false, lossy: Bool = false) {
        self.inputs = inputs
        self.format = format
        self.skipBadLines = skipBadLines
        self.lossy = lossy
    }

    /// The input files in processing order.
    public func files() throws -> [String] {
        let files = try DocumentReader.expand(inputs)
        guard !files.isEmpty else { throw PrepError.invalidConfiguration("no input files in \(inputs)") }
        return files
    }

    /// Calls `body` with batches of at most `batchSize` documents, in order, with their file's index.
    public func forEachBatch(batchSize: Int = 4096, _ body: (_ fileIndex: Int, _ documents: [Document]) throws -> Void) throws {
        for (index, path) in try files().enumerated() {
            let reader = try DocumentFileReader(path: path, idPath: idPath(path), format: format, skipBadLines: skipBadLines, lossy: lossy)
            var batch: [Document] = []
            batch.reserveCapacity(batchSize)
            while let document = try reader.next() {
                batch.append(document)
                if batch.count >= batchSize {
                    try body(index, batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try body(index, batch) }
            skippedLog.set(reader.statistics.skipped, for: path)
        }
    }

    /// The lines `skipBadLines` skipped, in file order. A stage reads its input more than once; each
    /// line counts once.
    public var skippedLines: SkippedLines { skippedLog.lines }

    /// Default ids are relative to the input directory a file was found in, as datatrove's are
    /// relative to its data folder (the same rule as `tokkit prep`).
    private func idPath(_ path: String) -> String {
        for input in inputs where path.hasPrefix(input + "/") { return String(path.dropFirst(input.count + 1)) }
        return path
    }
}

/// The skipped lines of each file of a ``CorpusInput``, kept by the last read of the file.
private final class SkippedLineLog: Sendable {
    private let files = Mutex<(order: [String], lines: [String: SkippedLines])>(([], [:]))

    func set(_ lines: SkippedLines, for path: String) {
        files.withLock {
            if $0.lines.updateValue(lines, forKey: path) == nil { $0.order.append(path) }
        }
    }

    var lines: SkippedLines {
        files.withLock { files in files.order.reduce(into: SkippedLines()) { $0.add(files.lines[$1] ?? SkippedLines()) } }
    }
}

/// Where a curation stage writes: `<directory>/<NNNNN>.jsonl[.gz|.zst]` per input file (kept
/// documents), `removed/<NNNNN>.jsonl…` for the dropped ones when asked, each file written under a
/// temporary name and renamed when complete — the layout of `tokkit prep`, so stages chain.
///
/// Until ``finish(fileCount:)`` the directory holds ``DocumentReader/incompleteMarker``: a run killed
/// half way leaves some complete-looking files, and the marker is what says the set is not whole.
/// Readers refuse such a directory, and a new run into it says it was interrupted.
public final class CuratedOutput {
    public let directory: String
    public let compression: OutputCompression
    public let writeRemoved: Bool
    public private(set) var kept = 0
    public private(set) var removed = 0
    private var current: (index: Int, kept: JSONLWriter, removed: JSONLWriter?)?

    /// Creates the directory; refuses one that already holds files (another run's output).
    public init(directory: String, compression: OutputCompression = .none, writeRemoved: Bool = false) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        if entries.contains(DocumentReader.incompleteMarker) { throw PrepError.interruptedOutput(directory: directory) }
        guard entries.isEmpty else { throw PrepError.outputNotEmpty(directory: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if writeRemoved { try FileManager.default.createDirectory(atPath: directory + "/removed", withIntermediateDirectories: true) }
        } catch {
            throw PrepError.invalidConfiguration("\(directory): cannot create the output directory: \(error.localizedDescription)")
        }
        try AtomicFile.write(Array("written by a tokkit run that has not finished; if none is running, it was interrupted\n".utf8),
                             to: directory + "/" + DocumentReader.incompleteMarker)
        self.directory = directory
        self.compression = compression
        self.writeRemoved = writeRemoved
    }

    /// Writes a document of input file `fileIndex`, kept or removed.
    public func write(_ document: Document, fileIndex: Int, keep: Bool) throws {
        if current?.index != fileIndex {
            try closeFile()
            let name = RankPartition.name(fileIndex) + ".jsonl" + compression.fileExtension
            current = (fileIndex, try JSONLWriter(path: directory + "/" + name, compression: compression),
                       writeRemoved ? try JSONLWriter(path: directory + "/removed/" + name, compression: compression) : nil)
        }
        if keep {
            try current?.kept.write(document)
            kept += 1
        } else {
            try current?.removed?.write(document)
            removed += 1
        }
    }

    /// Finishes the last file. Input files without any document get an empty output file.
    /// Removes the incomplete marker last: call it after every other file of the run is written.
    public func finish(fileCount: Int) throws {
        try closeFile()
        for index in 0..<fileCount {
            let name = RankPartition.name(index) + ".jsonl" + compression.fileExtension
            if !FileManager.default.fileExists(atPath: directory + "/" + name) {
                try JSONLWriter(path: directory + "/" + name, compression: compression).finish()
            }
        }
        try FileManager.default.removeItem(atPath: directory + "/" + DocumentReader.incompleteMarker)
    }

    private func closeFile() throws {
        try current?.kept.finish()
        try current?.removed?.finish()
        current = nil
    }
}
