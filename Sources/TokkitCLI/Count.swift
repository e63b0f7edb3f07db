import ArgumentParser
import Foundation
import TokkitCore
import TokkitCorpus
import TokkitFormats
import TokkitText

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

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int = Tokenizer.defaultThreadCount

    @Flag(name: .long, help: "No progress line and no summary.")
    var quiet = false

    func run() throws {
        let progress = ProgressLine(quiet: quiet)
        let counted = try CorpusCount.run(input: input, pattern: splitting.splitPattern(), engine: splitting.engine,
                                              threads: threads, progress: progress)
        let pattern = try splitting.splitPattern()
        try OutputSink.write(counted.counts.serialized(settings: CorpusCount.settings(pattern: pattern, input: input)), to: output)
        if !quiet {
            try log("counted \(counted.pieces) pieces, \(counted.counts.distinctCount) distinct, from \(counted.statistics.documents) documents "
                + "(\(ProgressLine.bytes(counted.statistics.bytes))) in \(ProgressLine.duration(progress.elapsed)); "
                + "peak memory \(ProgressLine.bytes(PeakMemory.bytes))")
        }
    }
}

/// The split pattern of commands that have no vocabulary yet (count, train).
struct PatternOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Split pattern by name: gpt2 | cl100k | o200k (default: gpt2, or the count files' pattern).", valueName: "name"))
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

/// The counting phase shared by `count` and `train`: read batches, count each on all cores.
enum CorpusCount {
    /// What a count file records about how it was made (`WordCounts.serialized(settings:)`).
    static func settings(pattern: SplitPattern, input: InputOptions) -> [(key: String, value: String)] {
        [("pattern", pattern.regex),
         ("documents", input.jsonlField.map { "jsonl:\($0)" } ?? (input.docs ?? .lines).rawValue),
         ("lossy", String(input.lossy)),
         ("skip_bad_lines", String(input.skipBadLines))]
    }

    struct Result {
        var counts: WordCounts
        var pieces: Int
        var statistics: DocumentReader.Statistics
    }

    static func run(input: InputOptions, pattern: SplitPattern, engine: RegexEngine, threads: Int,
                    progress: ProgressLine) throws -> Result {
        let counter: PieceCounter
        do { counter = try PieceCounter(pattern: pattern, engine: engine) } catch { throw CLIError(error.description) }
        let reader = try input.reader(defaultSplit: .lines)
        var counts = WordCounts()
        var pieces = 0
        var bytes = 0
        while true {
            let batch: DocumentReader.Batch?
            do { batch = try reader.nextBatch(targetBytes: 8 << 20) } catch { throw CLIError(error.description) }
            guard let batch else { break }
            do {
                pieces += try counter.count(batch.documents, into: &counts, threads: max(1, threads))
            } catch {
                throw CLIError(error.description)
            }
            bytes += batch.bytesRead
            let rate = Double(bytes) / max(progress.elapsed, 0.001)
            progress.update("counting: \(ProgressLine.bytes(bytes)) read, \(pieces) pieces, \(counts.distinctCount) distinct, \(ProgressLine.bytes(Int(rate)))/s")
        }
        progress.finish()
        try warnAboutUncoveredBytes(counter.preTokenizer)
        return Result(counts: counts, pieces: pieces, statistics: reader.statistics)
    }
}
