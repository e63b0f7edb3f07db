import ArgumentParser
import Tokkit

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode text to token ids, exactly as tiktoken does.",
        discussion: """
        Special tokens follow tiktoken: by default none is allowed and any special-token text in the input is an \
        error naming it and its byte offset. --allow-special all encodes them as their ids; --disallow-special none \
        encodes them as plain text (the same as --ordinary). Documents (--docs lines|paragraphs) are encoded in \
        parallel; text output puts one document per line, json one array per document.

        With --rank R --world-size W the command encodes sorted(files)[R::W] into -o with R zero-padded ({rank} in -o \
        is replaced; otherwise -RRRRR goes before the extension) and leaves a completion marker in completions/ \
        beside it; a rerun of a finished rank skips it.
        """
    )

    @OptionGroup var vocabulary: VocabularyOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var ranks: RankOptions

    @Option(name: .long, help: "Output format: ids separated by spaces (text), JSON arrays, or little-endian binary uint16/uint32.")
    var format: IDFormat = .text

    @Option(name: .long, help: ArgumentHelp("Special tokens to encode as their ids: all, none, or a comma-separated list.", valueName: "all|none|list"))
    var allowSpecial: String = "none"

    @Option(name: .long, help: ArgumentHelp("Special tokens whose presence is an error: all (those not allowed), none, or a list.", valueName: "all|none|list"))
    var disallowSpecial: String = "all"

    @Flag(name: .long, help: "Treat special-token text as plain text (tiktoken's encode_ordinary).")
    var ordinary = false

    @OptionGroup var workers: RunOptions

    @Option(name: [.short, .long], help: "Write here (atomically) instead of stdout.")
    var output: String?

    func validate() throws {
        if ordinary, allowSpecial != "none" || disallowSpecial != "all" {
            throw ValidationError("--ordinary encodes special-token text as plain text; it cannot be combined with --allow-special or --disallow-special")
        }
        let allowed = SpecialTokenSet(argument: allowSpecial), disallowed = SpecialTokenSet(argument: disallowSpecial)
        // As tiktoken refuses a token both allowed and disallowed; "all" in --disallow-special means those not allowed.
        switch (allowed, disallowed) {
        case (.all, .only(let texts)) where !texts.isEmpty:
            throw ValidationError("--disallow-special \(disallowSpecial) names tokens that --allow-special all allows")
        case (.only(let a), .only(let d)) where !a.isDisjoint(with: d):
            throw ValidationError("\(a.intersection(d).sorted().joined(separator: ", ")) is both allowed and disallowed")
        default:
            break
        }
    }

    func run() throws {
        guard ranks.isPartitioned else {
            try encode(files: nil, into: output)
            return
        }
        guard let output, output != "-" else {
            throw ValidationError("--rank/--world-size need -o: each rank writes its own file (and a completion marker beside it)")
        }
        let partition = try ranks.partition()
        let files = try ranks.files(of: input)
        let path = partition.outputPath(output)
        let task = RankedTask(
            task: "encode vocab=\(vocabulary.vocab) sha256=\(try vocabulary.sha256()) format=\(format) documents=\(input.format(default: .file)) "
                + "allow=\(ordinary ? "none" : allowSpecial) disallow=\(ordinary ? "none" : disallowSpecial) lossy=\(input.lossy) skip-bad-lines=\(input.skipBadLines)",
            partition: partition, inputs: files.mine, outputs: [path])
        _ = try task.run(quiet: workers.quiet) { try encode(files: files.mine, into: path) }
    }

    /// - Parameter files: exactly these files (one rank's share) instead of the command's inputs.
    private func encode(files: [String]?, into output: String?) throws {
        let tokenizer = try vocabulary.load(threads: workers.threads)
        let encoder = CorpusEncoder(tokenizer: tokenizer,
                                    allowedSpecial: ordinary ? .none : SpecialTokenSet(argument: allowSpecial),
                                    disallowedSpecial: ordinary ? .none : SpecialTokenSet(argument: disallowSpecial),
                                    threads: workers.threads)
        let sink = try OutputSink(path: output)
        if input.format(default: .file) == .text(.file) {
            // Each input is one document, streamed: memory stays flat however large the file is.
            for path in try files ?? input.files() {
                var renderer = IDRenderer(format: format)
                var rendered: [UInt8] = []
                try sink.write(renderer.begin())
                try encoder.encodeFile(path, lossy: input.lossy) { ids in try renderer.write(ids, rendering: &rendered) { try sink.write($0) } }
                try sink.write(renderer.end())
            }
        } else {
            // Lines, paragraphs or JSONL records, batch by batch on all cores.
            let reader = try input.reader(files: files, default: .file)
            var rendered: [UInt8] = []
            // Written where the workers left them: never gathered into one array.
            try encoder.encodeAll(reader, skipping: 0, assembling: false) { _, encoded in
                try format.write(encoded, rendering: &rendered) { try sink.write($0) }
            }
            try InputOptions.reportSkippedLines(reader.statistics.skipped)
        }
        try sink.commit()
        try warnAboutUncoveredBytes(tokenizer.preTokenizer)
    }
}

extension SpecialTokenSet {
    init(argument: String) {
        switch argument {
        case "all": self = .all
        case "none", "": self = .none
        default: self = .only(Set(argument.split(separator: ",").map(String.init)))
        }
    }
}

extension IDFormat: ArgumentChoice {}
