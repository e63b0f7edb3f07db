import ArgumentParser
import Tokkit

/// Where prep and the curation commands write documents: `<output>/<NNNNN>.jsonl` per input file,
/// plain or compressed, and the removed documents under `<output>/removed/` when asked.
struct DocumentOutputOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("The output directory (must be empty or absent): <NNNNN>.jsonl per input file.", valueName: "dir"))
    var output: String?

    @Option(name: .long, help: "Output compression (default: none).")
    var compression: CompressionKind?

    @Option(name: .long, help: "Compression level (gzip 1–9, zstd 1–19).")
    var level: Int?

    @Flag(name: .long, help: "Also write the removed documents to <output>/removed/ (prep: with the stage and reason that dropped each).")
    var removed = false

    /// The output directory, which every command but prep (whose configuration file may name it) requires.
    func directory() throws -> String {
        guard let output else { throw ValidationError("give the output directory with -o") }
        return output
    }

    func outputCompression() -> OutputCompression {
        switch compression ?? .none {
        case .none: return .none
        case .gzip: return .gzip(level: level)
        case .zstd: return .zstd(level: level)
        }
    }
}

enum CompressionKind: String, ArgumentChoice {
    case none, gzip, zstd
}

extension DocumentOutputOptions {
    /// Runs a curation stage that writes here (this compression, the removed documents when asked),
    /// resuming when asked, and warns about the input lines `--skip-bad-lines` skipped.
    func run<Run: CuratedRun>(_ run: Run, resume: Bool) throws -> Run.Summary {
        var run = run
        run.compression = outputCompression()
        run.writeRemoved = removed
        run.resume = resume
        let summary = try run.run()
        try InputOptions.reportSkippedLines(run.input.skippedLines)
        return summary
    }
}
