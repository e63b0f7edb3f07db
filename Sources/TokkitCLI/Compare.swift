import ArgumentParser
import Foundation
import Tokkit

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare tokenizers on files: tokens, bytes and characters per token, fertility, vocabulary use, round trips, speed.",
        discussion: """
        Every tokenizer encodes every file (special-token text is encoded as plain text, as tiktoken's \
        encode_ordinary does), decodes the ids back and checks the bytes are the same. Per file and in total: \
        tokens; UTF-8 bytes and characters (Unicode scalars) per token; tokens per word (fertility; words are \
        whitespace-separated runs, except that each character of Han, Hiragana, Katakana, Thai, Lao, Khmer and \
        Myanmar is a word, since those scripts put no spaces between words); distinct ids and the share of the \
        vocabulary they are; the longest token used; the round trip; encode speed in MB/s (10^6 bytes; each \
        tokenizer encodes all files together, round after round, for at least --timing-ms, on one thread, and \
        the report says how many rounds it ran). Totals are ratios of sums. Tokenizers are ranked by total tokens, \
        fewest first. Directories contribute their files ending in --ext, recursively; with no input, the bundled \
        fixtures/ are used.
        """
    )

    @OptionGroup var tokenizers: TokenizerListOptions

    @Argument(help: ArgumentHelp("Files or directories to compare on (default: the bundled fixtures/).", valueName: "input"))
    var inputs: [String] = []

    @Option(name: .long, help: "Output: an aligned table (text), markdown, csv or json.")
    var format: ReportFormat = .text

    @Option(name: .long, help: ArgumentHelp("Also write a self-contained HTML report (tables, charts, token views) here.", valueName: "path"))
    var html: String?

    @Option(name: .long, help: ArgumentHelp("File name endings taken from directories, comma-separated (each also with .gz, .zst).", valueName: "list"))
    var ext: String = "txt"

    @Flag(name: .long, inversion: .prefixedNo, help: "Time the encodes (--no-speed: omit the MB/s column, for output that is the same on every run).")
    var speed = true

    @Option(name: .customLong("timing-ms"), parsing: .unconditional, help: "Encode all files, round after round, for at least this many milliseconds per tokenizer when timing.")
    var timingMilliseconds: Int = 200

    @Flag(name: .long, help: "Replace invalid UTF-8 in the inputs with U+FFFD instead of stopping at it.")
    var lossy = false

    @Option(name: [.short, .long], help: "Write the table here (atomically) instead of stdout.")
    var output: String?

    enum ReportFormat: String, ArgumentChoice { case text, markdown, csv, json }

    func validate() throws {
        guard timingMilliseconds >= 0 else { throw ValidationError("--timing-ms must be 0 or more, not \(timingMilliseconds)") }
    }

    func run() throws {
        let loaded = try tokenizers.load()
        let files = try Self.collect(inputs, extensions: ext.split(separator: ",").map(String.init), lossy: lossy)
        let comparison = try Comparison.run(loaded, on: files, timing: speed ? .milliseconds(max(0, timingMilliseconds)) : nil)
        let report = ComparisonReport(comparison)
        let text: String
        switch format {
        case .text: text = report.plainText()
        case .markdown: text = report.markdown()
        case .csv: text = report.csv()
        case .json: text = report.json()
        }
        try OutputSink.write(Array(text.utf8), to: output)
        if let html {
            try OutputSink.write(Array(HTMLReport(comparison).document().utf8), to: html)
        }
    }

    /// The inputs' files, or the bundled fixtures (beside the bundled vocabularies) when there are none.
    static func collect(_ inputs: [String], extensions: [String], lossy: Bool) throws -> [ComparedFile] {
        var paths = inputs
        if paths.isEmpty {
            guard let fixtures = FixtureDirectory.locate() else { throw CLIError(FixtureDirectory.notFound) }
            paths = [fixtures]
        }
        var skipped: [DirectoryWalker.Skipped] = []
        let files = try ComparedFile.collect(paths, extensions: extensions, lossy: lossy) { skipped.append($0) }
        try InputOptions.warn(skipped: skipped)
        return files
    }
}
