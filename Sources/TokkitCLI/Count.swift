import ArgumentParser
import Foundation
import Tokkit

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-split a corpus and count its distinct pieces, into a count file that train can merge.",
        discussion: """
        Counting is the first phase of training. Count files from several runs (other shards of the corpus, \
        other machines) merge with `tokkit train --counts a.counts b.counts …`. The file lists pieces in \
        sorted byte order, so the same corpus always gives the same bytes.
        """
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var splitting: PatternOptions

    @Option(name: [.short, .long], help: "The count file to write.")
    var output: String

    @OptionGroup var workers: RunOptions

    @Flag(name: .long, help: "No progress line and no summary.")
    var quiet = false

    func run() throws {
        let progress = ProgressLine(quiet: quiet)
        let counted: CorpusCounting.Result
        do {
            let counting = try CorpusCounting(pattern: try splitting.splitPattern(), engine: splitting.engine, threads: workers.threads)
            counted = try counting.count(try input.reader(defaultSplit: .lines)) { step in
                progress.update(CountProgress.line(step, elapsed: progress.elapsed))
            }
        } catch let error as PipelineError {
            throw CLIError(error.description)
        }
        progress.finish()
        try InputOptions.reportSkippedLines(counted.statistics.skippedLines)
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
