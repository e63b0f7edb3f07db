import ArgumentParser
import Foundation
import Tokkit

/// Where documents come from and how they are cut.
struct InputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Input files, directories or glob patterns; standard input when none or '-'.", valueName: "input"))
    var inputs: [String] = []

    @Option(name: .long, help: "What one document of a text file is: each line, each blank-line-separated paragraph, or the whole file (default: file; lines for train and count).")
    var docs: DocumentSplit?

    @Option(name: .customLong("jsonl-field"), help: ArgumentHelp("Read JSON Lines; the document is this string field of each object.", valueName: "field"))
    var jsonlField: String?

    @Flag(name: .customLong("skip-bad-lines"), help: "Count and skip JSONL lines that are not JSON objects or lack the field, instead of stopping.")
    var skipBadLines = false

    @Flag(name: .long, help: "Replace invalid UTF-8 with U+FFFD instead of stopping with an error at its byte offset.")
    var lossy = false

    @Flag(name: .customLong("keep-newlines"), help: "With --docs lines: each document keeps its \\n or \\r\\n, as Hugging Face's tokenizer.train(files) reads lines (its merges differ from training on stripped lines).")
    var keepNewlines = false

    func format(defaultSplit: DocumentSplit) -> DocumentFormat {
        jsonlField.map { .jsonl(field: $0) } ?? .text(docs ?? defaultSplit)
    }

    func reader(defaultSplit: DocumentSplit = .file) throws -> DocumentReader {
        let format = format(defaultSplit: defaultSplit)
        if keepNewlines && format != .text(.lines) {
            throw ValidationError("--keep-newlines needs documents that are lines (--docs lines)")
        }
        let reader: DocumentReader
        try StandardStreams.checkInput(inputs.isEmpty ? ["-"] : inputs)
        do {
            reader = try DocumentReader(inputs: inputs.isEmpty ? ["-"] : inputs, format: format,
                                        skipBadLines: skipBadLines, lossy: lossy, keepLineTerminators: keepNewlines)
        } catch {
            throw CLIError(error.description)
        }
        try Self.warn(skipped: reader.skipped)
        return reader
    }

    /// Says how many JSONL lines `--skip-bad-lines` skipped, and where the first were (a run that drops
    /// data says so).
    static func reportSkippedLines(_ skipped: SkippedLines) throws {
        guard skipped.count > 0 else { return }
        try log("warning: \(skipped)")
    }

    /// The input files, after warning about directory entries that were left out.
    func files() throws -> [String] {
        let expanded: (files: [String], skipped: [DirectoryWalker.Skipped])
        try StandardStreams.checkInput(inputs.isEmpty ? ["-"] : inputs)
        do { expanded = try DocumentReader.expandReportingSkipped(inputs.isEmpty ? ["-"] : inputs) } catch { throw CLIError(error.description) }
        try Self.warn(skipped: expanded.skipped)
        return expanded.files
    }

    /// One warning per entry of an input directory that is not read (a FIFO, a device, a link loop).
    static func warn(skipped: [DirectoryWalker.Skipped]) throws {
        for entry in skipped { try log("warning: \(entry)") }
    }

    /// Every document at once, for commands that need the whole input (show).
    func readAll() throws -> [[UInt8]] {
        let reader = try reader()
        var documents: [[UInt8]] = []
        do {
            while let batch = try reader.nextBatch() { documents += batch.documents }
        } catch {
            throw CLIError(error.description)
        }
        return documents
    }
}

extension DocumentSplit: ExpressibleByArgument {}

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
            do { writer = try AtomicFileWriter(path: path) } catch { throw CLIError(error.description) }
        } else {
            writer = nil
        }
    }

    func write(_ bytes: [UInt8]) throws {
        guard let writer else {
            try StandardStreams.out(bytes)
            return
        }
        do { try writer.write(bytes) } catch { throw CLIError(error.description) }
    }

    func commit() throws {
        do { try writer?.commit() } catch { throw CLIError(error.description) }
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
