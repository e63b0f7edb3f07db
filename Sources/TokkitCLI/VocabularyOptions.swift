import ArgumentParser
import Tokkit

/// The tokenizer of every command that encodes or decodes: the vocabulary, its split pattern and its
/// special tokens.
struct VocabularyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Vocabulary: a bundled name (gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base, qwen2), or a path to a .tiktoken, tokenizer.json or encoder.json file.",
        valueName: "name-or-path"))
    var vocab: String = "gpt2"

    @Option(name: .long, help: ArgumentHelp("GPT-2 vocab.bpe to go with an encoder.json (default: beside it).", valueName: "path"))
    var merges: String?

    @OptionGroup var splitting: PatternOptions
    @OptionGroup var special: SpecialTokenOptions

    /// The sha256 of the vocabulary: the recorded one for a bundled name, else the file's.
    func sha256() throws -> String {
        try TokenizerLoader.sha256(of: vocab)
    }

    /// Starts loading the bundled vocabulary that `arguments` name with `--vocab` on another core while
    /// Argument Parser parses them (see `TokenizerLoader.startLoading`), unless `--threads 1` asks for one
    /// core. Only a head start: what Argument Parser makes of the arguments decides what is loaded, and a
    /// value that was not meant for this option (an argument after `--`, say) is simply never taken.
    static func startLoading(arguments: ArraySlice<String>) {
        var vocabulary: String?
        var rest = arguments
        while let argument = rest.popFirst(), argument != "--" {
            switch argument {
            case "--vocab": vocabulary = rest.popFirst()
            case "--threads": if rest.first == "1" { return }
            case "--threads=1": return
            default: if argument.hasPrefix("--vocab=") { vocabulary = String(argument.dropFirst("--vocab=".count)) }
            }
        }
        if let vocabulary { TokenizerLoader.startLoading(vocabulary) }
    }

    func load() throws -> Tokenizer {
        try TokenizerLoader.load(vocab, pattern: splitting.given, specials: special.specials.isEmpty ? nil : special.specials,
                                 mergesPath: merges, engine: splitting.engine)
    }

    /// As ``load()``, for a command about to encode on `threads` threads (see the loader's
    /// `load(preparingScannersFor:engine:_:)`).
    func load(threads: Int) throws -> Tokenizer {
        try TokenizerLoader.load(preparingScannersFor: threads, engine: splitting.engine) { () throws(TokenizerLoadError) in
            try TokenizerLoader.load(vocab, pattern: splitting.given, specials: special.specials.isEmpty ? nil : special.specials,
                                     mergesPath: merges, engine: splitting.engine)
        }
    }
}
