import ArgumentParser
import Foundation
import Tokkit

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Pre-split a corpus and count its distinct pieces, into a count file that train can merge.",
        discussion: """
        Counting is the first phase of training. Count files from several runs (other shards of the corpus, \
        other machines) merge with `tokkit train --counts a.counts b.counts …` or into one file with \
        `tokkit count reduce`. The file lists pieces in sorted byte order, so the same corpus always gives the same bytes.

        With --rank R --world-size W the command counts sorted(files)[R::W] into -o with R zero-padded \
        ({rank} in -o is replaced; otherwise -RRRRR goes before the extension) and leaves a completion \
        marker in completions/ beside it; a rerun of a finished rank skips it.
        """
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var splitting: PatternOptions
    @OptionGroup var ranks: RankOptions

    @Option(name: [.short, .long], help: "The count file to write.")
    var output: String

    @OptionGroup var workers: RunOptions

    @Flag(name: .long, help: "No progress line and no summary.")
    var quiet = false

    func run() throws {
        if ranks.isPartitioned {
            try runRank()
            return
        }
        try count(files: nil, into: output)
    }

    /// One rank of a partitioned count, skipped when its completion marker says it is done.
    private func runRank() throws {
        let partition = try ranks.partition()
        let files = try ranks.files(of: input)
        let path = partition.outputPath(output)
        let pattern = try splitting.splitPattern()
        let task = RankedTask(task: "count pattern=\(pattern.regex) documents=\(input.format(defaultSplit: .lines)) lossy=\(input.lossy) skip-bad-lines=\(input.skipBadLines)",
                              partition: partition, inputs: files.mine, outputs: [path])
        _ = try task.run(quiet: quiet) {
            if files.mine.isEmpty, !quiet {
                try log("rank \(partition.label) of \(partition.worldSize): no input files (\(files.run) files in all); writing empty counts")
            }
            try count(files: files.mine, into: path)
        }
    }

    private func count(files: [String]?, into output: String) throws {
        let progress = ProgressLine(quiet: quiet)
        let counted: CorpusCounting.Result
        do {
            let counting = try CorpusCounting(pattern: try splitting.splitPattern(), engine: splitting.engine, threads: workers.threads)
            counted = try counting.count(try files.map { try input.reader(files: $0, defaultSplit: .lines) } ?? input.reader(defaultSplit: .lines)) { step in
                progress.update(CountProgress.line(step, elapsed: progress.elapsed))
            }
        } catch let error as PipelineError {
            throw CLIError(error.description)
        }
        progress.finish()
        try InputOptions.reportSkippedLines(counted.statistics.skipped)
        if let gap = counted.uncovered { try warnAboutUncoveredBytes(gap) }
        let settings = CorpusCounting.countFileSettings(pattern: try splitting.splitPattern(), format: input.format(defaultSplit: .lines),
                                                        lossy: input.lossy, skipBadLines: input.skipBadLines)
        try OutputSink.write(counted.counts.serialized(settings: settings), to: output)
        if !quiet {
            try log("counted \(counted.pieces) pieces, \(counted.counts.distinctCount) distinct, from \(counted.statistics.documents) documents "
                + "(\(ProgressLine.bytes(counted.statistics.bytes))) in \(ProgressLine.duration(progress.elapsed)); "
                + "peak memory \(ProgressLine.bytes(PeakMemory.bytes))")
        }
    }
}

/// The split pattern of commands that have no vocabulary yet (count, train).
struct PatternOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Split pattern by name: gpt2 | cl100k | o200k | qwen2 (default: gpt2, or the count files' pattern).", valueName: "name"))
    var pattern: String?

    @Option(name: .customLong("pattern-regex"), help: ArgumentHelp("A custom split pattern in tiktoken's regex syntax.", valueName: "regex"))
    var patternRegex: String?

    @Option(name: .customLong("regex-engine"), help: "Pre-splitting engine: auto (a hand-written scanner for named patterns, ICU otherwise), icu, scanner.")
    var engine: RegexEngine = .auto

    func validate() throws {
        if pattern != nil, patternRegex != nil { throw ValidationError("give --pattern or --pattern-regex, not both") }
    }

    /// Whether the user chose a pattern (else the default, or what count files recorded, applies).
    var isGiven: Bool { pattern != nil || patternRegex != nil }

    func splitPattern() throws -> SplitPattern {
        if let patternRegex { return SplitPattern(regex: patternRegex) }
        let pattern = self.pattern ?? "gpt2"
        guard let named = SplitPattern(name: pattern) else {
            throw ValidationError("unknown pattern \(pattern.debugDescription); known: \(SplitPattern.names.joined(separator: ", "))")
        }
        return named
    }
}

/// The progress line of counting, shared by `count` and `train`.
enum CountProgress {
    static func line(_ step: CorpusCounting.Progress, elapsed: Double) -> String {
        let rate = Double(step.bytesRead) / max(elapsed, 0.001)
        return "counting: \(ProgressLine.bytes(step.bytesRead)) read, \(step.pieces) pieces, \(step.distinctPieces) distinct, \(ProgressLine.bytes(Int(rate)))/s"
    }
}
