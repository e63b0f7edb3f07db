import ArgumentParser
import Foundation
import Tokkit

#if canImport(Glibc)
import Glibc
#endif

struct Shard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "Encode a corpus to training-ready token shards for llm.c, nanoGPT or Megatron-LM, and check them.",
        discussion: """
        tokkit shard [write] encodes documents on all cores and writes shards plus manifest.json; \
        tokkit shard verify DIR checks them against the manifest; tokkit shard inspect FILE shows one file. \
        Many machines: tokkit shard --rank R --world-size W -o DIR encodes one rank's files into DIR/parts/, \
        then tokkit shard merge DIR writes the shards and manifest a single run would.
        """,
        subcommands: [ShardWrite.self, ShardMerge.self, ShardVerify.self, ShardInspect.self],
        defaultSubcommand: ShardWrite.self
    )
}

struct ShardWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Encode documents and write token shards with a manifest (the default subcommand).",
        discussion: """
        Layouts (byte-exact with each project's loader):
          llmc      PREFIX_val_000000.bin, PREFIX_train_000001.bin, …: a 1024-byte header of 256 little-endian int32 \
        [magic, version, N, 0…] then N tokens. uint16 tokens: magic 20240520 version 1 (llm.c's gpt-2 files); \
        uint32 tokens (vocabularies over 65,536 ids, e.g. cl100k_base): magic 20240801 version 7 (llm.c's llama-3 files). \
        <|endoftext|> before every document; every shard holds exactly --shard-tokens tokens except the last, \
        and a document may continue into the next shard, as llm.c's fineweb.py writes them.
          nanogpt   val.bin and train.bin: headerless uint16 tokens, the end token after every document. A vocabulary \
        over 65,536 ids is an error unless --token-width uint32 is given (then read the files with np.uint32).
          megatron  PREFIX_val_000000.bin + .idx, …: Megatron-LM's MMIDIDX index, one sequence per document with the \
        end token appended (--append-eod); uint16 below 65,500 ids, else int32, as Megatron's optimal_dtype.
        Shard 0 is the validation split (--val-tokens, default the shard size); nanoGPT and Megatron shards hold whole documents.

        Documents are encoded like tiktoken's encode_ordinary: special-token text in a document is plain text. \
        The bytes of every shard are the same whatever --threads is. Each file is written under a temporary name, \
        read back and checked, then renamed; manifest.json is rewritten as shards finish (about once a second) \
        and says complete: true only at the end. An output directory that already holds shards is an error unless --resume (keep the shards \
        whose digest still matches the manifest, write the rest) or --force (replace them). Every file's digest is \
        BLAKE3 (b3sum prints the same) unless --digest sha256.

        With --rank R --world-size W the command encodes only sorted(files)[R::W], into DIR/parts/PREFIX-RRRRR.ids, \
        .lengths and .json (ids and document lengths, not shards yet), and leaves a completion marker in \
        DIR/parts/completions/; a rerun of a finished rank skips it. When every rank is done, tokkit shard merge DIR \
        writes the shards and manifest.json, byte-identical to one tokkit shard over the same files in sorted order.
        """
    )

    @OptionGroup var vocabulary: VocabularyOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var ranks: RankOptions

    @Option(name: [.short, .long], help: ArgumentHelp("The output directory (created if missing).", valueName: "dir"))
    var output: String

    @Option(name: .long, help: "Layout: llmc, nanogpt or megatron.")
    var format: ShardFormat = .llmc

    @Option(name: .long, help: "File name prefix for llmc and megatron shards (PREFIX_val_000000.bin).")
    var prefix: String = "tokkit"

    @Option(name: .customLong("shard-tokens"), help: "Tokens per shard (llmc: exactly; megatron: at most, whole documents).")
    var shardTokens: Int = 100_000_000

    @Option(name: .customLong("val-tokens"), help: "Tokens in the validation shard 0 (default: --shard-tokens).")
    var valTokens: Int?

    @Option(name: .customLong("token-width"), help: "Token width: auto (from the vocabulary size and the layout), uint16 or uint32.")
    var tokenWidth: TokenWidthChoice = .auto

    @Option(name: .customLong("end-token"), help: ArgumentHelp("The special token that delimits documents.", valueName: "text"))
    var endToken: String = "<|endoftext|>"

    @OptionGroup var workers: RunOptions

    @Flag(name: .long, help: "Continue an interrupted run: keep the shards whose digest matches manifest.json, write the rest.")
    var resume = false

    @Option(name: .long, help: "The digest manifest.json records for every file: blake3 (b3sum's; several times faster) or sha256 (sha256sum's).")
    var digest: DigestAlgorithm = .blake3

    @OptionGroup var overwrite: OverwriteOptions

    enum TokenWidthChoice: String, ArgumentChoice { case auto, uint16, uint32 }

    func validate() throws {
        if resume && overwrite.force { throw ValidationError("give --resume or --force, not both") }
    }

    func run() throws {
        let tokenizer = try vocabulary.load(threads: workers.threads)
        let vocab = tokenizer.vocabulary
        guard let end = vocab.specialToken(named: endToken) else {
            throw ShardError.noEndToken(text: endToken, known: vocab.specialTokens.map(\.text))
        }
        let requested: TokenWidth? = tokenWidth == .auto ? nil : TokenWidth(rawValue: tokenWidth.rawValue)
        let width = try format.tokenWidth(forVocabularySize: vocab.size, requested: requested)
        let documents: String
        switch input.format(default: .file) {
        case .jsonl(let field): documents = "jsonl:\(field)"
        case .text(let split): documents = split.rawValue
        }
        let settings = try ShardSettings(
            format: format, tokenWidth: width,
            vocabulary: VocabularyRecord(source: vocabulary.vocab, sha256: try vocabulary.sha256(), size: vocab.size,
                                         endToken: endToken, endTokenID: end.id),
            shardTokens: shardTokens, valTokens: valTokens ?? shardTokens, prefix: prefix, documents: documents,
            lossy: input.lossy, skipBadLines: input.skipBadLines, digest: digest)
        if ranks.isPartitioned {
            try writePart(settings: settings, tokenizer: tokenizer)
            return
        }
        let job = ShardJob(directory: output, settings: settings, command: CommandLine.arguments, threads: workers.threads,
                           existing: resume ? .resume : overwrite.force ? .replace : .refuse)
        // The progress callback cannot throw; a failed log line is kept and reported once the run ends.
        nonisolated(unsafe) var logFailure: CLIError?
        let reader = try input.reader(default: .file)
        let result = try CorpusSharder.run(job, reader: reader, tokenizer: tokenizer) { record in
            let files = record.tokenFile.file + (record.indexFile.map { " + \($0.file)" } ?? "")
            do throws(CLIError) {
                if !workers.quiet { try log("wrote \(files): \(record.tokens) tokens, \(record.documents) documents") }
            } catch {
                logFailure = logFailure ?? error
            }
        }
        if let logFailure { throw logFailure }
        try InputOptions.reportSkippedLines(reader.statistics.skipped)
        let manifest = result.manifest
        if result.keptShards > 0 { try log("kept \(result.keptShards) shards from the earlier run (\(settings.digest.rawValue) matched)") }
        if !manifest.shards.contains(where: { $0.split == .train }) {
            try log("warning: every token went to the validation split; lower --val-tokens to get training data")
        }
        try StandardStreams.print("\(manifest.shards.count) shards, \(manifest.totalTokens) tokens, \(manifest.totalDocuments) documents, \(settings.layout) → \(output)/\(ShardManifest.fileName)")
    }

    /// One rank of a partitioned shard run: encodes its files into a part, unless its marker says it is done.
    private func writePart(settings: ShardSettings, tokenizer: Tokenizer) throws {
        let partition = try ranks.partition()
        let files = try ranks.files(of: input)
        let manifest = ShardPart.manifestPath(directory: output, prefix: prefix, partition: partition)
        let base = String(manifest.dropLast(".json".count))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let settingsText = String(decoding: try encoder.encode(settings), as: UTF8.self)
        let task = RankedTask(task: "shard \(settingsText)", partition: partition, inputs: files.mine,
                              outputs: [manifest, base + ".ids", base + ".lengths"])
        var part: ShardPart?
        let ran = try task.run(quiet: workers.quiet) {
            part = try RankSharder.run(directory: output, settings: settings, partition: partition, files: files.mine, runFiles: files.run,
                                       reader: try input.reader(files: files.mine, default: .file), tokenizer: tokenizer, threads: workers.threads)
        }
        if ran, let part {
            try StandardStreams.print("rank \(partition.label) of \(partition.worldSize): \(part.files.count) files, \(part.totalDocuments) documents, \(part.totalTokens) tokens → \(manifest)")
        }
    }
}

struct ShardVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check shards against their manifest: headers, sizes, token and document counts, ids, digests.",
        discussion: "Stops at the first problem with the file, the byte offset and what was expected there, and exits non-zero."
    )

    @Argument(help: ArgumentHelp("A directory written by tokkit shard.", valueName: "dir"))
    var directory: String

    func run() throws {
        // The visitor cannot throw: the first failed line is kept and reported when verification ends.
        nonisolated(unsafe) var printFailure: CLIError?
        let manifest = try ShardVerifier.verify(directory: directory) { record in
            let files = record.tokenFile.file + (record.indexFile.map { " + \($0.file)" } ?? "")
            do throws(CLIError) {
                try StandardStreams.print("ok  \(files)  \(record.tokens) tokens  \(record.documents) documents")
            } catch {
                printFailure = printFailure ?? error
            }
        }
        if let printFailure { throw printFailure }
        try StandardStreams.print("verified \(manifest.shards.count) shards, \(manifest.totalTokens) tokens: \(manifest.settings.layout), vocabulary \(manifest.settings.vocabulary.source) (\(manifest.settings.vocabulary.size) ids)")
    }
}

struct ShardInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show one shard file: its header or index, its counts and its first documents decoded.",
        discussion: """
        The layout is read from the file: an llm.c header (magic 20240520 version 1 = uint16 tokens, magic 20240801 \
        version 7 = uint32 tokens), a Megatron .idx beside it, else headerless tokens (nanoGPT). Width, end token and \
        vocabulary size come from manifest.json beside the file when there is one; --vocab decodes.
        """
    )

    @OptionGroup var vocabulary: VocabularyOptions

    @Argument(help: ArgumentHelp("A .bin (or Megatron .idx) file.", valueName: "file"))
    var file: String

    @Option(name: .long, help: "How many documents to decode.")
    var documents: Int = 3

    @Option(name: .customLong("token-width"), help: "Token width of a headerless file without a manifest beside it.")
    var tokenWidth: TokenWidth = .uint16

    @Option(name: .customLong("end-token"), help: ArgumentHelp("The document delimiter, when no manifest is beside the file.", valueName: "text"))
    var endToken: String = "<|endoftext|>"

    func run() throws {
        let tokenizer = try vocabulary.load()
        let shard = try ShardInspection(path: file, vocabulary: tokenizer.vocabulary, documents: documents, tokenWidth: tokenWidth,
                                        endToken: endToken)
        try StandardStreams.print("file            \(shard.path)")
        switch shard.layout {
        case .llmc(let header):
            try StandardStreams.print("layout          llm.c: 1024-byte header, then \(header.width.rawValue) little-endian tokens")
            try StandardStreams.print("header          magic \(header.magic), version \(header.version) (\(header.width == .uint16 ? "1 = uint16 tokens, llm.c's gpt-2 layout" : "7 = uint32 tokens, llm.c's llama-3 layout")), N = \(header.tokenCount), words 3…255 zero")
        case .megatron(let index, let indexPath):
            try StandardStreams.print("layout          Megatron-LM MMapIndexedDataset: .bin tokens + .idx")
            try StandardStreams.print("index           \(indexPath): MMIDIDX version 1, dtype code \(index.dtypeCode) (\(index.width == .uint16 ? "uint16" : "int32")), \(index.sequenceLengths.count) sequences, \(index.documentIndices.count) document indices")
        case .nanogpt:
            try StandardStreams.print("layout          headerless \(shard.width.rawValue) little-endian tokens (nanoGPT)")
        }
        let summary = shard.summary
        try StandardStreams.print("tokens          \(summary.tokens) (\(summary.bytes) bytes)")
        try StandardStreams.print("documents       \(summary.endTokens) (end token \(shard.endTokenID) \(shard.format.delimiter == .before ? "before" : "after") each)")
        let check = shard.recordedDigest.map { $0 == summary.digest ? " (matches manifest.json)" : " (manifest.json records \($0.hex))" }
        let name = summary.digest.algorithm.rawValue
        try StandardStreams.print("\(name)\(String(repeating: " ", count: max(1, 16 - name.count)))\(summary.digest.hex)\(check ?? "")")
        if !shard.continued.isEmpty {
            try StandardStreams.print("continued       \(Self.preview(shard.continued, tokenizer)) (the end of a document begun in the previous shard)")
        }
        for (number, ids) in shard.documents.enumerated() {
            try StandardStreams.print("document \(number)      \(ids.count)\(ids.count == ShardInspection.idsKept ? "+" : "") tokens: \(Self.preview(ids, tokenizer))")
        }
    }

    /// The first 300 characters of the decoded ids, escaped.
    static func preview(_ ids: [TokenID], _ tokenizer: Tokenizer) -> String {
        let text = (try? tokenizer.decode(ids)) ?? "<ids outside this vocabulary>"
        return (text.count > 300 ? String(text.prefix(300)) + "…" : text).debugDescription
    }
}

extension ShardFormat: ArgumentChoice {}
extension TokenWidth: ArgumentChoice {}
extension DigestAlgorithm: ArgumentChoice {}
