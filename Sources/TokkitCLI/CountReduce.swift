import ArgumentParser
import Foundation
import Tokkit

/// `tokkit count`: counts a corpus (the default, `tokkit count corpus`) or sums count files (`tokkit count reduce`).
struct CountGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Pre-split a corpus and count its distinct pieces (count [corpus]), or sum count files (count reduce).",
        subcommands: [Count.self, CountReduce.self],
        defaultSubcommand: Count.self
    )
}

/// `tokkit count reduce`: the reduce step of map/reduce training.
struct CountReduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reduce",
        abstract: "Sum count files (from ranks or machines) into one count file.",
        discussion: """
        Summing counts is associative and commutative, and a count file lists its pieces in sorted byte order, \
        so any grouping of the same files gives byte-identical output: reduce many files in a tree \
        (e.g. groups of 8, then the results), on as many machines as you like. `tokkit train --counts ALL.counts` \
        then trains exactly the vocabulary a single `tokkit train` over the whole corpus gives.
        """
    )

    @Argument(help: ArgumentHelp("Count files to sum.", valueName: "file"))
    var inputs: [String]

    @Option(name: [.short, .long], help: "The count file to write (atomically).")
    var output: String

    @Flag(name: .long, help: "No summary.")
    var quiet = false

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one count file") }
    }

    func run() throws {
        let (total, settings) = try CorpusCounting.reduce(countFiles: inputs)
        try OutputSink.write(total.serialized(settings: settings), to: output)
        if !quiet {
            try log("reduced \(inputs.count) count files: \(total.distinctCount) distinct pieces, \(total.totalCount) in all → \(output)")
        }
    }
}
