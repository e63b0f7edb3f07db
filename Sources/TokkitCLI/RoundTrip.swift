import ArgumentParser
import Tokkit

struct RoundTrip: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roundtrip",
        abstract: "Prove decode(encode(x)) == x for each tokenizer on files and on seeded random text.",
        discussion: """
        For every tokenizer: each file and --random seeded random strings (scalars of every plane and general \
        category, whitespace and apostrophe cases, special-token text, long runs) must decode back to their exact \
        bytes, and re-encoding the decoded bytes must give the same ids. With --lossy the random strings also hold \
        ill-formed UTF-8, and must decode to their U+FFFD repair. Every id of the vocabulary must decode; ids outside \
        it must be refused. A failing input is shrunk to a minimal one and printed with its ids. Special-token text \
        is encoded as plain text. Exits with status 1 when anything fails. With no input, the bundled fixtures/ are used.
        """
    )

    @OptionGroup var tokenizers: TokenizerListOptions

    @Argument(help: ArgumentHelp("Files or directories to check (default: the bundled fixtures/).", valueName: "input"))
    var inputs: [String] = []

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("How many random strings to check per tokenizer.", valueName: "n"))
    var random: Int = 1000

    @Option(name: .long, help: "The seed of the random strings; string i depends only on the seed and i.")
    var seed: UInt64 = 0

    @Option(name: .customLong("max-length"), parsing: .unconditional, help: "The most scalars, snippets or runs in one random string.")
    var maxLength: Int = 64

    @Flag(name: .long, help: "Mix ill-formed UTF-8 into the random strings (and repair invalid input files).")
    var lossy = false

    @Option(name: .long, help: ArgumentHelp("File name endings taken from directories, comma-separated.", valueName: "list"))
    var ext: String = "txt"

    func validate() throws {
        guard random >= 0 else { throw ValidationError("--random must be 0 or more, not \(random)") }
        guard maxLength >= 0 else { throw ValidationError("--max-length must be 0 or more, not \(maxLength)") }
    }

    func run() throws {
        let loaded = try tokenizers.load()
        let files = try Compare.collect(inputs, extensions: ext.split(separator: ",").map(String.init), lossy: lossy)
        let harness = RoundTripHarness(randomCount: max(0, random), seed: seed, maxLength: max(0, maxLength), lossy: lossy)
        var failed = false
        for tokenizer in loaded {
            let report = harness.run(tokenizer, files: files)
            let summary = "\(report.inputsChecked) inputs (\(files.count) files, \(max(0, random)) random, seed \(seed)\(lossy ? ", lossy" : "")), \(report.idsChecked) ids"
            if report.passed {
                try StandardStreams.print("PASS \(tokenizer.label): \(summary)")
            } else {
                failed = true
                try StandardStreams.print("FAIL \(tokenizer.label): \(summary); first failures, shrunk:")
                for failure in report.failures {
                    try StandardStreams.print(failure.description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
