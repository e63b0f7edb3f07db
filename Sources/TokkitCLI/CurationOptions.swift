import ArgumentParser
import Foundation
import Tokkit

/// Inputs and outputs shared by the curation commands (dedup, decontaminate, select, mix).
struct CurationInputOptions: ParsableArguments {
    @Argument(help: "Input files, directories or globs (JSONL by default; read in sorted order).")
    var inputs: [String] = []

    @Option(name: [.short, .long], help: "The output directory (must be empty or absent): <NNNNN>.jsonl per input.")
    var output: String

    @Option(name: .customLong("text-key"), help: "The JSONL key holding the text.")
    var textKey = "text"

    @Option(name: .customLong("id-key"), help: "The JSONL key holding the id (default id: <path>/<line index>).")
    var idKey = "id"

    @Option(name: .long, help: "Input format: jsonl | lines | paragraphs | file.")
    var format = "jsonl"

    @Option(name: .long, help: "Output compression: none | gzip | zstd.")
    var compression = "none"

    @Option(name: .long, help: "Compression level (gzip 1–9, zstd 1–19).")
    var level: Int?

    @Flag(name: .long, help: "Also write the removed documents to <output>/removed/.")
    var removed = false

    @Flag(name: .customLong("skip-bad-lines"), help: "Count and skip malformed JSONL lines instead of stopping.")
    var skipBadLines = false

    @Flag(name: .long, help: "Replace invalid UTF-8 with U+FFFD instead of stopping.")
    var lossy = false

    @Flag(name: .long, help: "Continue an interrupted run into the same output directory (same settings and inputs): finished inputs are not written again.")
    var resume = false

    @Option(name: .long, help: "Worker threads (default: all cores). The output does not depend on it.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func corpus(_ inputs: [String]? = nil) throws -> CorpusInput {
        let files = inputs ?? self.inputs
        guard !files.isEmpty else { throw ValidationError("no inputs: give files, directories or globs") }
        let readFormat: DocumentFileReader.Format
        switch format {
        case "jsonl": readFormat = .jsonl(DocumentAdapter(textKey: textKey, idKey: idKey))
        case let split:
            guard let text = DocumentSplit(rawValue: split) else {
                throw ValidationError("unknown --format \(split.debugDescription); valid: jsonl, lines, paragraphs, file")
            }
            readFormat = .text(text)
        }
        return CorpusInput(inputs: files, format: readFormat, skipBadLines: skipBadLines, lossy: lossy)
    }

    /// The output directory of a stage, resumable with --resume (`settings`: what decides its output).
    func resumableOutput(_ stage: String, _ settings: [String]) throws -> CuratedOutput {
        try CuratedOutput.resumable(directory: output, input: corpus(), stage: stage, settings: settings,
                                    compression: outputCompression(), writeRemoved: removed, resume: resume)
    }

    func outputCompression() throws -> OutputCompression {
        switch compression {
        case "none": return .none
        case "gzip": return .gzip(level: level)
        case "zstd": return .zstd(level: level)
        case let other: throw ValidationError("unknown --compression \(other.debugDescription); valid: none, gzip, zstd")
        }
    }
}
