import ArgumentParser
import Foundation
import Tokkit

struct Mix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mix",
        abstract: "Mix sources by weight or to a token budget counted with a Tokkit vocabulary, with deterministic sampling.",
        discussion: """
        tokkit mix mix.yaml -o mixed/
        Each source's documents pass its include/exclude rules (Dolma's keep rule), are counted in tokens with the \
        configuration's tokenizer, and are written floor(rate) times plus once more with probability rate − floor(rate), \
        decided by a hash of (seed, source, id): the same output for any thread count and on every rerun. \
        <output>/<source>/<NNNNN>.jsonl and <output>/mix-report.json (documents, bytes, tokens before and after).
        """
    )

    @Argument(help: "The mix configuration (YAML).") var config: String
    @Option(name: [.short, .long], help: "The output directory (must be empty or absent).") var output: String
    @Option(name: .long, parsing: .unconditional, help: "Override the configuration's budget_tokens.") var budget: Int?
    @OptionGroup var workers: RunOptions
    @OptionGroup var resumption: ResumeOptions

    func run() throws {
        var configuration = try MixConfiguration.load(path: config)
        if let budget { configuration.budgetTokens = budget }
        var run = configuration.run(outputDirectory: output, tokenizer: try TokenizerLoader.load(configuration.tokenizer))
        run.threads = workers.threads
        run.resume = resumption.resume
        let reports = try run.run()
        try StandardStreams.print("source        read docs   eligible tokens   target tokens     rate   written docs   written tokens   written bytes")
        for report in reports {
            try StandardStreams.print(report.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: " %10d %17d %15d %8.3f %14d %16d %15d", report.read.documents, report.eligible.tokens,
                           report.targetTokens, report.rate, report.written.documents, report.written.tokens, report.written.bytes))
        }
        let total = reports.reduce(0) { $0 + $1.written.tokens }
        try StandardStreams.print("total written: \(total) \(configuration.tokenizer) tokens" + (configuration.budgetTokens.map { " (budget \($0))" } ?? ""))
    }
}
