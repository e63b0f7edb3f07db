import ArgumentParser
import Foundation
import Tokkit

/// Where documents come from and how files are cut into them: one group, the same options in every
/// command that reads documents (encode, show, train, count, shard, prep and the curation commands).
///
/// What a document is by default depends on what the command does with it (train counts lines as
/// Hugging Face's line iterators do; prep and the curation commands read JSON Lines records; encode
/// takes whole files), so each command passes its `DocumentKind` when it asks for a reader.
struct InputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Input files, directories or glob patterns; standard input when none or '-'.", valueName: "input"))
    var inputs: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "What one document is: each line, each blank-line-separated paragraph, the whole file, or each JSON Lines record (default: lines for train and count, jsonl for prep and the curation commands, file otherwise).",
        valueName: "lines|paragraphs|file|jsonl"))
    var docs: DocumentKind?

    @Option(name: .customLong("jsonl-field"), help: ArgumentHelp("The JSON Lines key holding a document's text (default: text); implies --docs jsonl.", valueName: "key"))
    var jsonlField: String?

    @Option(name: .customLong("id-key"), help: ArgumentHelp("The JSON Lines key holding a document's id, for commands that write documents (default: id; without one: <path>/<line index>).", valueName: "key"))
    var idKey: String?

    @Flag(name: .customLong("skip-bad-lines"), help: "Count and skip JSON Lines lines that are not JSON objects or lack the text, instead of stopping.")
    var skipBadLines = false

    @Flag(name: .long, help: "Replace invalid UTF-8 with U+FFFD instead of stopping with an error at its byte offset.")
    var lossy = false

    @Flag(name: .customLong("keep-newlines"), help: "With --docs lines: each document keeps its \\n or \\r\\n, as Hugging Face's tokenizer.train(files) reads lines (its merges differ from training on stripped lines).")
    var keepNewlines = false

    func validate() throws {
        if jsonlField != nil, let docs, docs != .jsonl {
            throw ValidationError("--jsonl-field reads JSON Lines records; it cannot go with --docs \(docs.rawValue)")
        }
    }

    /// What a document is for a command whose default is `kind`.
    func format(default kind: DocumentKind) -> DocumentFormat {
        switch jsonlField == nil ? docs ?? kind : .jsonl {
        case .jsonl: return .jsonl(field: jsonlField ?? "text")
        case .lines: return .text(.lines)
        case .paragraphs: return .text(.paragraphs)
        case .file: return .text(.file)
        }
    }

    /// The inputs as given, standard input when there are none.
    var sources: [String] { inputs.isEmpty ? ["-"] : inputs }

    /// A reader over the inputs, or over exactly `files` (one rank's share).
    func reader(files: [String]? = nil, default kind: DocumentKind) throws -> DocumentReader {
        let format = format(default: kind)
        if keepNewlines && format != .text(.lines) {
            throw ValidationError("--keep-newlines needs documents that are lines (--docs lines)")
        }
        try StandardStreams.checkInput(files ?? sources)
        let reader = try DocumentReader(inputs: files ?? sources, format: format, skipBadLines: skipBadLines, lossy: lossy,
                                        keepLineTerminators: keepNewlines)
        try Self.warn(skipped: reader.skipped)
        return reader
    }

    /// The inputs as a corpus the curation stages read twice (decide, then write), with document ids.
    func corpus(_ files: [String]? = nil, default kind: DocumentKind = .jsonl) throws -> CorpusInput {
        let files = files ?? inputs
        guard !files.isEmpty else { throw ValidationError("no inputs: give files, directories or globs") }
        let readFormat: DocumentFileReader.Format
        switch format(default: kind) {
        case .jsonl(let field): readFormat = .jsonl(DocumentAdapter(textKey: field, idKey: idKey ?? "id"))
        case .text(let split): readFormat = .text(split)
        }
        return CorpusInput(inputs: files, format: readFormat, skipBadLines: skipBadLines, lossy: lossy)
    }

    /// Says how many JSONL lines `--skip-bad-lines` skipped, and where the first were (a run that drops
    /// data says so).
    static func reportSkippedLines(_ skipped: SkippedLines) throws {
        guard skipped.count > 0 else { return }
        try log("warning: \(skipped)")
    }

    /// The input files, after warning about directory entries that were left out.
    func files() throws -> [String] {
        try StandardStreams.checkInput(sources)
        let expanded = try DocumentReader.expandReportingSkipped(sources)
        try Self.warn(skipped: expanded.skipped)
        return expanded.files
    }

    /// One warning per entry of an input directory that is not read (a FIFO, a device, a link loop).
    static func warn(skipped: [DirectoryWalker.Skipped]) throws {
        for entry in skipped { try log("warning: \(entry)") }
    }

    /// Every document at once, for commands that need the whole input (show).
    func readAll(default kind: DocumentKind) throws -> [[UInt8]] {
        let reader = try reader(default: kind)
        var documents: [[UInt8]] = []
        while let batch = try reader.nextBatch() { documents += batch.documents }
        return documents
    }
}

/// What one document of an input is (`--docs`): the plain-text splits, or a JSON Lines record.
enum DocumentKind: String, ArgumentChoice {
    case lines, paragraphs, file, jsonl
}

/// An error the command line reports as it is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Output to a file (written to a temporary name, renamed when complete) or to stdout.
final class OutputSink {
    private let writer: AtomicFileWriter?

    init(path: String?) throws {
        if let path, path != "-" {
            let writer = try AtomicFileWriter(path: path)
            // Nothing reads a command's output back: a large one skips the page cache (`DirectFileStream`).
            writer.writesDirectly = true
            self.writer = writer
        } else {
            writer = nil
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Bytes as they lie in memory (a batch's uint32 ids), with no copy on the way to the file or stdout.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let writer else {
            try StandardStreams.out(bytes)
            return
        }
        try writer.write(bytes)
    }

    func commit() throws {
        try writer?.commit()
    }

    static func write(_ bytes: [UInt8], to path: String?) throws {
        let sink = try OutputSink(path: path)
        try sink.write(bytes)
        try sink.commit()
    }
}

/// Warns when a custom split pattern dropped bytes between its matches (see `RegexPreTokenizer.uncovered`):
/// those bytes are in no token, so decoding the ids cannot give the text back.
func warnAboutUncoveredBytes(_ preTokenizer: any PreTokenizer) throws {
    guard let regex = preTokenizer as? RegexPreTokenizer, let gap = regex.uncovered else { return }
    try warnAboutUncoveredBytes(gap)
}

func warnAboutUncoveredBytes(_ gap: RegexPreTokenizer.UncoveredBytes) throws {
    try log("warning: the split pattern left \(gap.count) bytes uncovered, first at byte offset \(gap.firstOffset) "
        + "of its text; they are in no token and are lost (tiktoken drops them too): make the pattern match every character")
}
