import ArgumentParser
import Foundation
import TokkitCorpus
import TokkitPrep

struct Prep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Filter and clean JSONL documents with datatrove's rules (FineWeb's filters), into shard-ready JSONL.",
        discussion: """
        tokkit prep --preset fineweb-datatrove raw/ -o clean/
        tokkit prep CONFIG.yaml

        Presets run FineWeb's chain after text extraction: url_filter → language_score → gopher_repetition → \
        gopher_quality → c4_quality (without the terminal-punctuation rule) → fineweb_quality → pii. \
        `fineweb` uses the rules as FineWeb ran them (datatrove v0.2.0); `fineweb-datatrove` today's datatrove \
        defaults. A document without the metadata a stage reads (no `url`, no `language_score`) PASSES that \
        stage and is counted (no_url, no_language_score), it is not dropped.

        Each input file gives one output file, <output>/<NNNNN>.jsonl (its index among all inputs, sorted), \
        written under a temporary name and renamed when complete; completions/ holds a marker per finished \
        input (--resume skips them), stats/<rank>.json the statistics, removed/ the dropped documents with \
        filter_stage and filter_reason (--dropped). --rank R --world-size W processes sorted(inputs)[R::W].
        """
    )

    @Argument(help: "A YAML configuration (.yaml/.yml), and/or input files, directories, globs, - for stdin.")
    var arguments: [String] = []

    @Option(name: .long, help: "A built-in pipeline: fineweb | fineweb-datatrove.")
    var preset: String?

    @Option(name: [.short, .long], help: "The output directory.")
    var output: String?

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

    @Option(name: .long, help: "This process's rank (0-based).")
    var rank = 0

    @Option(name: .customLong("world-size"), help: "How many processes share the inputs.")
    var worldSize = 1

    @Option(name: .long, help: "Worker threads (default: all cores). The output does not depend on it.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "A directory of block lists for url_filter: domains, urls, banned_words.txt, banned_subwords.txt, soft_banned_words.txt (missing files are empty lists).")
    var blocklists: String?

    @Option(name: .customLong("public-suffix-list"), help: "The Public Suffix List for url_filter's registered domains.")
    var publicSuffixList = PublicSuffixList.systemPath

    @Flag(name: .long, help: "Skip inputs whose completion marker says a run with this configuration finished them.")
    var resume = false

    @Flag(name: .long, help: "Write dropped documents to <output>/removed/ with their stage and reason.")
    var dropped = false

    @Flag(name: .customLong("skip-bad-lines"), help: "Count and skip malformed JSONL lines instead of stopping.")
    var skipBadLines = false

    @Flag(name: .long, help: "Replace invalid UTF-8 with U+FFFD instead of stopping.")
    var lossy = false

    @Flag(name: .long, help: "Print every stage's measured values and decision for each input document; write nothing.")
    var explain = false

    @Option(name: .customLong("merge-stats"), help: "Print the merged statistics of every rank in this output directory, and exit.")
    var mergeStats: String?

    @Flag(name: .long, help: "No progress line and no table.")
    var quiet = false

    func run() throws {
        if let mergeStats {
            let merged = try PrepRun.mergedStatistics(directory: mergeStats)
            try StandardStreams.print(StatisticsTable.render(merged))
            var json = JSONWriter.bytes(merged.json)
            json.append(0x0A)
            try AtomicFile.write(json, to: mergeStats + "/stats.json")
            return
        }
        let configFile = arguments.first { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        let inputs = arguments.filter { $0 != configFile }
        var configuration: PrepConfiguration
        if let configFile {
            configuration = try PrepConfiguration.load(path: configFile)
        } else {
            guard let preset else { throw ValidationError("give a configuration file or --preset (\(Preset.allCases.map(\.rawValue).joined(separator: ", ")))") }
            configuration = PrepConfiguration(preset: preset)
        }
        if let preset, configFile != nil { configuration.preset = preset }
        if !inputs.isEmpty { configuration.inputs = inputs }
        if let output { configuration.output = output }
        if let blocklists { configuration.blocklists = blocklists }
        configuration.publicSuffixList = configuration.publicSuffixList ?? publicSuffixList
        let stages = try configuration.stages()
        let processor = DocumentProcessor(stages: stages)
        let adapter = DocumentAdapter(textKey: configuration.textKey ?? textKey, idKey: configuration.idKey ?? idKey)
        let readFormat: DocumentFileReader.Format
        switch configuration.format ?? format {
        case "jsonl": readFormat = .jsonl(adapter)
        case let split: guard let text = DocumentSplit(rawValue: split) else {
                throw ValidationError("unknown --format \(split.debugDescription); valid: jsonl, lines, paragraphs, file")
            }
            readFormat = .text(text)
        }
        guard !configuration.inputs.isEmpty else { throw ValidationError("no inputs: give files, directories or globs") }
        if explain {
            try Self.explain(inputs: configuration.inputs, format: readFormat, processor: processor)
            return
        }
        guard let outputDirectory = configuration.output else { throw ValidationError("give the output directory with -o") }
        let outputCompression: OutputCompression
        switch configuration.compression ?? compression {
        case "none": outputCompression = .none
        case "gzip": outputCompression = .gzip(level: configuration.level ?? level)
        case "zstd": outputCompression = .zstd(level: configuration.level ?? level)
        case let other: throw ValidationError("unknown --compression \(other.debugDescription); valid: none, gzip, zstd")
        }
        let plan: RankPartition
        do { plan = try RankPartition(rank: rank, worldSize: worldSize) } catch { throw ValidationError(error.description) }
        var options = PrepRun.Options(inputs: configuration.inputs, outputDirectory: outputDirectory, plan: plan,
                                      fingerprint: configuration.fingerprint + " compression=\(outputCompression) world=\(worldSize)")
        options.format = readFormat
        options.compression = outputCompression
        options.threads = max(1, threads)
        options.resume = resume
        options.writeDropped = dropped
        options.skipBadLines = skipBadLines
        options.lossy = lossy
        let run = PrepRun(options: options, processor: processor)
        let progress = ProgressLine(quiet: quiet)
        run.progress = { documents, bytes, done, total in
            progress.update("prep: \(documents) documents, \(ProgressLine.bytes(bytes)) "
                + "(\(ProgressLine.bytes(Int(Double(bytes) / max(progress.elapsed, 1e-9))))/s), file \(done + 1)/\(total)")
        }
        let statistics = try run.run()
        progress.finish()
        if !quiet {
            try log(StatisticsTable.render(statistics))
            try log("in \(ProgressLine.duration(progress.elapsed)); statistics in \(outputDirectory)/stats/")
        }
    }

    static func explain(inputs: [String], format: DocumentFileReader.Format, processor: DocumentProcessor) throws {
        for path in try DocumentReader.expand(inputs) {
            let reader = try DocumentFileReader(path: path, format: format)
            while let document = try reader.next() {
                var statistics = processor.emptyStatistics()
                var trace: [(stage: String, measured: Measurements, outcome: Stage.Outcome)] = []
                let result = withUnsafeMutablePointer(to: &trace) { processor.runParallelStages(document, &statistics, explain: $0) }
                try StandardStreams.print("document \(document.id) (\(path):\(reader.lastLine)), \(document.text.unicodeScalars.count) characters")
                for step in trace {
                    let values = step.measured.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
                    let decision: String
                    switch step.outcome {
                    case .keep: decision = "keep"
                    case .drop(let reason): decision = "DROP \(reason)"
                    case .passWithout(let counter): decision = "pass (\(counter))"
                    case .fail(let message): decision = "STOP \(message)"
                    }
                    // Padded, never cut: `padding(toLength:)` would truncate a long reason.
                    let stage = step.stage + String(repeating: " ", count: max(0, 18 - step.stage.count))
                    try StandardStreams.print("  \(stage) \(decision + String(repeating: " ", count: max(0, 34 - decision.count))) \(values)")
                }
                if result.drop == nil {
                    for index in processor.parallelCount..<processor.stages.count {
                        try StandardStreams.print("  \(processor.stages[index].name.padding(toLength: 18, withPad: " ", startingAt: 0)) rewrites the kept text")
                    }
                }
                try StandardStreams.print("  => \(result.drop.map { "dropped by \(processor.stages[$0.stage].name): \($0.reason)" } ?? "kept")")
            }
        }
    }
}
