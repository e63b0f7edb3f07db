import ArgumentParser

/// Every command names itself (`commandName:`): without it Argument Parser derives the name with
/// `String(describing: Self.self)` for each subcommand while building the command tree, and each such
/// call makes the Swift runtime scan every protocol conformance in the process (about 1.5 million
/// instructions apiece, a third of `tokkit --version`).
@main
struct Tokkit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokkit",
        abstract: "Byte-level BPE for LLM pre-training: encode and decode exactly like tiktoken, inspect vocabularies.",
        discussion: """
        Vocabularies: the bundled ones by name (gpt2, cl100k_base), or a path to a .tiktoken file, a Hugging Face \
        tokenizer.json, or GPT-2's encoder.json (with vocab.bpe beside it). Data goes to stdout; errors to stderr.
        """,
        version: "0.1.0",
        subcommands: [Prep.self, Dedup.self, Decontaminate.self, Select.self, Mix.self, Synth.self, Train.self, CountGroup.self, Encode.self, Decode.self, Inspect.self, Show.self, Shard.self, Compare.self, RoundTrip.self]
    )

    /// Argument Parser's entry point, after the signal dispositions every command relies on (`Interruption`):
    /// temporary files removed on SIGINT/SIGTERM, EFBIG instead of SIGXFSZ, EPIPE instead of SIGPIPE; and
    /// with the vocabulary named by `--vocab` loading on another core meanwhile.
    static func main() {
        Interruption.install()
        VocabularyOptions.startLoading(arguments: CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
