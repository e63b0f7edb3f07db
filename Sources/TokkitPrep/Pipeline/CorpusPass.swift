import Foundation
import Synchronization
import TokkitCore
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
/// Resumable like `tokkit prep`: a run with a ``fingerprint`` records it in `run.json` and leaves
/// `completions/<NNNNN>` (``CompletionMarkers``) after each input's files have their final names.
/// A rerun with `resume` and the same fingerprint accepts the directory, still makes every
/// corpus-wide decision (they depend on all documents), but does not rewrite the inputs already
/// complete; because every decision is deterministic, the files it does write are the bytes the
/// interrupted run would have written.
///
/// Until ``finish(fileCount:)`` the directory also holds ``DocumentReader/incompleteMarker``: a run
/// killed half way leaves some complete-looking files, and the marker is what says the set is not
/// whole. Readers refuse such a directory; a new run into it says it was interrupted, unless it
/// resumes.
public final class CuratedOutput {
    public let directory: String
    public let compression: OutputCompression
    public let writeRemoved: Bool
    public private(set) var kept = 0
    public private(set) var removed = 0
    /// Documents and text bytes written to this output, kept or removed (inputs a resumed run skips included).
    public private(set) var flow = CurationFlow()
    /// Inputs found complete and not written again.
    public private(set) var skippedFiles = 0
    private var current: (index: Int, kept: JSONLWriter, removed: JSONLWriter?)?
    private let markers: CompletionMarkers?
    private let inputs: [String]
    private let resume: Bool

    /// Creates the directory; refuses one that already holds files (another run's output), unless
    /// `resume` is set and its `run.json` holds `fingerprint`.
    ///
    /// - Parameters:
    ///   - inputs: the input files in processing order (the completion markers name them).
    ///   - fingerprint: what decides the output (stage, settings, inputs); `nil` writes no markers.
    public init(directory: String, compression: OutputCompression = .none, writeRemoved: Bool = false,
                inputs: [String] = [], fingerprint: String? = nil, resume: Bool = false) throws {
        let manager = FileManager.default
        let hasRunFile = try RunDirectory.check(directory, fingerprint: fingerprint, resume: resume)
        guard !resume || fingerprint != nil else { throw PrepError.invalidConfiguration("this stage cannot resume") }
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if writeRemoved { try manager.createDirectory(atPath: directory + "/removed", withIntermediateDirectories: true) }
            if let fingerprint, !hasRunFile { try AtomicFile.write(Array(fingerprint.utf8), to: directory + "/" + RunDirectory.runFile) }
        } catch {
            throw PrepError.invalidConfiguration("\(directory): cannot create the output directory: \(error)")
        }
        try AtomicFile.write(Array("written by a tokkit run that has not finished; if none is running, it was interrupted\n".utf8),
                             to: directory + "/" + DocumentReader.incompleteMarker, replacingStale: resume)
        self.directory = directory
        self.compression = compression
        self.writeRemoved = writeRemoved
        self.inputs = inputs
        self.resume = resume
        markers = fingerprint.map { CompletionMarkers(outputDirectory: directory, fingerprint: $0) }
        skippedFiles = inputs.indices.filter(isComplete).count
    }

    /// What a curation run's output depends on: its stage and settings, and each input's path,
    /// size and modification time (a changed input makes a resume start over rather than mix runs).
    public static func fingerprint(stage: String, settings: [String], inputs: [String]) -> String {
        var lines = ["stage \(stage)"] + settings.map { "setting \($0)" }
        for path in inputs {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            lines.append("input \(path) \(size) \(modified)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The output of a resumable stage reading `input`: its fingerprint is the stage, its
    /// `settings`, how the input is read, and each input file (see ``fingerprint(stage:settings:inputs:)``).
    public static func resumable(directory: String, input: CorpusInput, stage: String, settings: [String],
                                 compression: OutputCompression = .none, writeRemoved: Bool = false, resume: Bool) throws -> CuratedOutput {
        let files = try input.files()
        let all = settings + ["read \(input.format) skip_bad_lines \(input.skipBadLines) lossy \(input.lossy)",
                              "compression \(compression)", "removed \(writeRemoved)"]
        return try CuratedOutput(directory: directory, compression: compression, writeRemoved: writeRemoved, inputs: files,
                                 fingerprint: fingerprint(stage: stage, settings: all, inputs: files), resume: resume)
    }

    /// Whether input `fileIndex` was completed by an earlier run of this one (so it is not written
    /// again and a stage may skip its per-document work).
    public func isComplete(_ fileIndex: Int) -> Bool {
        guard resume, let markers, fileIndex < inputs.count else { return false }
        return markers.isComplete(fileIndex, path: inputs[fileIndex])
    }

    /// Writes a document of input file `fileIndex`, kept or removed. `bytesIn` is the size of the
    /// text the stage read when it wrote another (line dedup's shortened text); the written text's by default.
    public func write(_ document: Document, fileIndex: Int, keep: Bool, bytesIn: Int? = nil) throws {
        let bytes = document.text.utf8.count
        flow.documentsIn += 1
        flow.bytesIn += bytesIn ?? bytes
        if keep {
            kept += 1
            flow.documentsOut += 1
            flow.bytesOut += bytes
        } else {
            removed += 1
        }
        if current?.index != fileIndex {
            try closeFile()
            if isComplete(fileIndex) { return }
            let name = RankPartition.name(fileIndex) + ".jsonl" + compression.fileExtension
            current = (fileIndex, try JSONLWriter(path: directory + "/" + name, compression: compression, replacingStale: resume),
                       writeRemoved ? try JSONLWriter(path: directory + "/removed/" + name, compression: compression,
                                                      replacingStale: resume) : nil)
        }
        if keep {
            try current?.kept.write(document)
        } else {
            try current?.removed?.write(document)
        }
    }

    /// Finishes the last file. Input files without any document get an empty output file.
    /// Removes the incomplete marker last: call it after every other file of the run is written.
    ///
    /// Each missing file and each missing marker is made on its own: a run killed between writing an
    /// empty file and marking it leaves the file without its marker, and the resumed run (which wrote
    /// nothing for that input either: every decision is deterministic) must still mark it.
    public func finish(fileCount: Int) throws {
        try closeFile()
        for index in 0..<fileCount {
            let name = RankPartition.name(index) + ".jsonl" + compression.fileExtension
            for folder in writeRemoved ? ["/", "/removed/"] : ["/"] where !FileManager.default.fileExists(atPath: directory + folder + name) {
                try JSONLWriter(path: directory + folder + name, compression: compression, replacingStale: resume).finish()
            }
            if let markers, index < inputs.count, !markers.isComplete(index, path: inputs[index]) { try mark(index) }
        }
        try FileManager.default.removeItem(atPath: directory + "/" + DocumentReader.incompleteMarker)
    }

    private func closeFile() throws {
        guard let open = current else { return }
        try open.kept.finish()
        try open.removed?.finish()
        current = nil
        try mark(open.index)
    }

    private func mark(_ index: Int) throws {
        guard let markers, index < inputs.count else { return }
        try markers.markComplete(index, path: inputs[index])
    }
}

/// Per-document work of a batch spread over threads; results in document order, so a stage's
/// output does not depend on the thread count.
enum CurationParallel {
    static func map<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let workers = max(1, min(threads, count / 16))
        guard workers > 1 else { return (0..<count).map(body) }
        let slots = BatchSlots<T>(count: count)
        Parallelism.run(workers: workers) { worker in
            for index in stride(from: worker, to: count, by: workers) { slots.set(index, body(index)) }
        }
        return (0..<count).compactMap { slots.take($0) }
    }
}
