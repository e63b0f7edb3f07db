import ArgumentParser
import Foundation
import Tokkit

struct Prep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prep",
        abstract: "Filter and clean JSONL documents with datatrove's rules (FineWeb's filters), into shard-ready JSONL.",
        discussion: """
        tokkit prep --preset fineweb-datatrove raw/ -o clean/
        tokkit prep CONFIG.yaml [input…]

        The first argument ending in .yaml or .yml is a configuration file (inputs, output, reader, writer, \
        stages); options given on the command line override it.

        Presets run FineWeb's chain after text extraction: url_filter → language_score → gopher_repetition → \
        gopher_quality → c4_quality (without the terminal-punctuation rule) → fineweb_quality → pii. \
        `fineweb` uses the rules as FineWeb ran them (datatrove v0.2.0); `fineweb-datatrove` today's datatrove \
        defaults. A document without the metadata a stage reads (no `url`, no `language_score`) PASSES that \
        stage and is counted (no_url, no_language_score), it is not dropped.

        Each input file gives one output file, <output>/<NNNNN>.jsonl (its index among all inputs, sorted), \
        written under a temporary name and renamed when complete; completions/ holds a marker per finished \
        input (--resume skips them), stats/<rank>.json the statistics, removed/ the dropped documents with \
        filter_stage and filter_reason (--removed). --rank R --world-size W processes sorted(inputs)[R::W].

        A configuration may also list the corpus-wide stages exact_dedup, minhash_dedup, line_dedup, decontaminate, \
        score_threshold, dsir, quality_classifier, synthetic_ingest and mix (the dedup, decontaminate, select and \
        synth ingest subcommands' options, or a mix file's keys, as parameters). The run then goes step by step, each \
        step in <output>/steps/<NN>-<name>/, and the last step's documents become <output>/<NNNNN>.jsonl.
        """
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var destination: DocumentOutputOptions
    @OptionGroup var ranks: RankOptions
    @OptionGroup var workers: RunOptions

    @Option(name: .long, help: "A built-in pipeline: fineweb | fineweb-datatrove.")
    var preset: String?

    @Option(name: .long, help: "A directory of block lists for url_filter: domains, urls, banned_words.txt, banned_subwords.txt, soft_banned_words.txt (missing files are empty lists).")
    var blocklists: String?

    @Option(name: .customLong("public-suffix-list"), help: "The Public Suffix List for url_filter's registered domains.")
    var publicSuffixList = PublicSuffixList.systemPath

    @Flag(name: .long, help: "Skip inputs whose completion marker says a run with this configuration finished them.")
    var resume = false

    @Flag(name: .long, help: "Print every stage's measured values and decision for each input document; write nothing.")
    var explain = false

    @Option(name: .customLong("merge-stats"), help: "Print the merged statistics of every rank in this output directory, and exit.")
    var mergeStats: String?

    func run() throws {
        if let mergeStats {
            let merged = try PrepRun.mergedStatistics(directory: mergeStats)
            try StandardStreams.print(StatisticsTable.render(merged))
            var json = JSONWriter.bytes(merged.json)
            json.append(0x0A)
            try AtomicFile.write(json, to: mergeStats + "/stats.json")
            return
        }
        // The first positional argument ending in .yaml or .yml is the configuration; the others are inputs.
        let configFile = input.inputs.first { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        var request = PrepRequest()
        request.configurationPath = configFile
        request.preset = preset
        request.inputs = input.inputs.filter { $0 != configFile }
        request.output = destination.output
        request.blocklists = blocklists
        request.publicSuffixList = publicSuffixList
        request.tokenizers = { try TokenizerLoader.load($0) }
        let partition = try ranks.partition()
        (request.rank, request.worldSize, request.threads) = (partition.rank, partition.worldSize, workers.threads)
        (request.resume, request.writeDropped) = (resume, destination.removed)
        (request.skipBadLines, request.lossy) = (input.skipBadLines, input.lossy)
        var configuration = try request.configuration()
        // What the command line gives overrides the configuration file.
        if let field = input.jsonlField {
            configuration.format = DocumentKind.jsonl.rawValue
            configuration.textKey = field
        } else if let docs = input.docs {
            configuration.format = docs.rawValue
        }
        if let idKey = input.idKey { configuration.idKey = idKey }
        if let compression = destination.compression { configuration.compression = compression.rawValue }
        if let level = destination.level { configuration.level = level }
        if explain {
            guard !configuration.hasCorpusStages else {
                throw ValidationError("--explain shows per-document stages; this configuration has corpus-wide stages")
            }
            guard !configuration.inputs.isEmpty else { throw ValidationError("no inputs: give files, directories or globs") }
            let processor = DocumentProcessor(stages: try request.stages(configuration))
            try Self.explain(inputs: configuration.inputs, format: try request.readFormat(configuration), processor: processor)
            return
        }
        guard configuration.output != nil else { throw ValidationError("give the output directory with -o") }
        let run = try request.makeWholeRun(configuration)
        let progress = ProgressLine(quiet: workers.quiet)
        run.progress = { documents, bytes, done, total in
            progress.update("prep: \(documents) documents, \(ProgressLine.bytes(bytes)) "
                + "(\(ProgressLine.bytes(Int(Double(bytes) / max(progress.elapsed, 1e-9))))/s), file \(done + 1)/\(total)")
        }
        let statistics = try run.run()
        progress.finish()
        try InputOptions.reportSkippedLines(run.skippedLines)
        if !workers.quiet {
            try log(StatisticsTable.render(statistics))
            try log("in \(ProgressLine.duration(progress.elapsed)); statistics in \(run.options.outputDirectory)/stats/")
        }
    }

    /// Prints `processor.explain`'s record of every input document: one line a stage, then the verdict.
    static func explain(inputs: [String], format: DocumentFileReader.Format, processor: DocumentProcessor) throws {
        try processor.explain(inputs: inputs, format: format) { explained in
            try StandardStreams.print("document \(explained.document.id) (\(explained.path):\(explained.line)), "
                + "\(explained.document.text.unicodeScalars.count) characters")
            for step in explained.steps {
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
            for name in explained.rewriting {
                try StandardStreams.print("  \(name.padding(toLength: 18, withPad: " ", startingAt: 0)) rewrites the kept text")
            }
            try StandardStreams.print("  => \(explained.drop.map { "dropped by \($0.stage): \($0.reason)" } ?? "kept")")
        }
    }
}
