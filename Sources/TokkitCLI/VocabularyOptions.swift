import ArgumentParser
import Tokkit

/// The options every command that needs a tokenizer shares.
struct VocabularyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Vocabulary: a bundled name (gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base, qwen2), or a path to a .tiktoken, tokenizer.json or encoder.json file.",
        valueName: "name-or-path"))
    var vocab: String = "gpt2"

    @Option(name: .long, help: ArgumentHelp(
        "Split pattern by name (gpt2 | cl100k | o200k | qwen2), overriding the vocabulary's. Needed for a .tiktoken file that is not a bundled vocabulary.",
        valueName: "name"))
    var pattern: String?

    @Option(name: .customLong("pattern-regex"), help: ArgumentHelp(
        "A custom split pattern in tiktoken's regex syntax, overriding the vocabulary's.", valueName: "regex"))
    var patternRegex: String?

    @Option(name: .customLong("special"), help: ArgumentHelp(
        "A special token as TEXT=ID; repeat for several. Replaces the vocabulary's special tokens.", valueName: "text=id"))
    var specials: [String] = []

    @Option(name: .customLong("regex-engine"), help: ArgumentHelp(
        "What pre-splits: auto (the hand-written scanner for gpt2, cl100k, o200k and qwen2, ICU for other patterns), icu, or scanner.",
        valueName: "auto|icu|scanner"))
    var regexEngine: RegexEngine = .auto

    @Option(name: .long, help: ArgumentHelp("GPT-2 vocab.bpe to go with an encoder.json (default: beside it).", valueName: "path"))
    var merges: String?

    func splitPattern() throws -> SplitPattern? {
        if let patternRegex {
            guard pattern == nil else { throw ValidationError("give --pattern or --pattern-regex, not both") }
            return SplitPattern(regex: patternRegex)
        }
        guard let pattern else { return nil }
        guard let named = SplitPattern(name: pattern) else {
            throw ValidationError("unknown pattern \(pattern.debugDescription); known: \(SplitPattern.names.joined(separator: ", "))")
        }
        return named
    }

    func specialTokens() throws -> [SpecialToken]? {
        guard !specials.isEmpty else { return nil }
        return try specials.map { entry in
            guard let equals = entry.lastIndex(of: "="), let id = TokenID(entry[entry.index(after: equals)...]),
                  equals != entry.startIndex else {
                throw ValidationError("--special expects TEXT=ID, like '<|endoftext|>=50256'; got \(entry.debugDescription)")
            }
            return SpecialToken(String(entry[..<equals]), id: id)
        }
    }

    /// The sha256 of the vocabulary: the recorded one for a bundled name, else the file's.
    func sha256() throws -> String {
        if let named = NamedVocabulary.named(vocab) { return named.sha256 }
        return SHA256.hex(try FileIO.read(vocab))
    }

    func load() throws -> Tokenizer {
        try TokenizerLoader.load(vocab, pattern: splitPattern(), specialTokens: specialTokens(), mergesPath: merges,
                                 engine: regexEngine)
    }
}

extension RegexEngine: ExpressibleByArgument {}
