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

    /// The pattern given, else gpt2 (count files record it; train then uses the same).
    private var pattern: SplitPattern { splitting.given ?? .gpt2 }

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
        let task = RankedTask(task: "count pattern=\(pattern.regex) documents=\(input.format(default: .lines)) lossy=\(input.lossy) skip-bad-lines=\(input.skipBadLines)",
                              partition: partition, inputs: files.mine, outputs: [path])
        _ = try task.run(quiet: workers.quiet) {
            if files.mine.isEmpty, !workers.quiet {
                try log("rank \(partition.label) of \(partition.worldSize): no input files (\(files.run) files in all); writing empty counts")
            }
            try count(files: files.mine, into: path)
        }
    }

    private func count(files: [String]?, into output: String) throws {
        let progress = ProgressLine(quiet: workers.quiet)
        let counting = try CorpusCounting(pattern: pattern, engine: splitting.engine, threads: workers.threads)
        let counted = try counting.count(try input.reader(files: files, default: .lines)) { step in
            progress.update(CountProgress.line(step, elapsed: progress.elapsed))
        }
        progress.finish()
        try InputOptions.reportSkippedLines(counted.statistics.skipped)
        if let gap = counted.uncovered { try warnAboutUncoveredBytes(gap) }
        let settings = CorpusCounting.countFileSettings(pattern: pattern, format: input.format(default: .lines),
                                                        lossy: input.lossy, skipBadLines: input.skipBadLines)
        try OutputSink.write(counted.counts.serialized(settings: settings), to: output)
        if !workers.quiet {
            try log("counted \(counted.pieces) pieces, \(counted.counts.distinctCount) distinct, from \(counted.statistics.documents) documents "
                + "(\(ProgressLine.bytes(counted.statistics.bytes))) in \(ProgressLine.duration(progress.elapsed)); "
                + "peak memory \(ProgressLine.bytes(PeakMemory.bytes))")
        }
    }
}

/// The progress line of counting, shared by `count` and `train`.
enum CountProgress {
    static func line(_ step: CorpusCounting.Progress, elapsed: Double) -> String {
        let rate = Double(step.bytesRead) / max(elapsed, 0.001)
        return "counting: \(ProgressLine.bytes(step.bytesRead)) read, \(step.pieces) pieces, \(step.distinctPieces) distinct, \(ProgressLine.bytes(Int(rate)))/s"
    }
}
