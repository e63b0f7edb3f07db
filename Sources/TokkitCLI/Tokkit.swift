import ArgumentParser

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
}
