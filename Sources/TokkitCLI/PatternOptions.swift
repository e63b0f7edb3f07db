import ArgumentParser
import Tokkit

/// The split pattern, the same three options in every command that pre-splits text: by name, as a
/// regex, and which engine runs it. Commands with a vocabulary default to the vocabulary's pattern;
/// train and count to gpt2 (or to what their count files recorded).
struct PatternOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Split pattern by name (r50k, p50k, cl100k_base, o200k_base, qwen2.5 and qwen3 are accepted too), overriding the default: a vocabulary's own pattern, gpt2 (or the count files') for train and count.",
        valueName: "name"))
    var pattern: PatternName?

    @Option(name: .customLong("pattern-regex"), help: ArgumentHelp(
        "A custom split pattern in tiktoken's regex syntax, instead of --pattern.", valueName: "regex"))
    var patternRegex: String?

    @Option(name: .customLong("regex-engine"), help: ArgumentHelp(
        "What pre-splits: auto (the hand-written scanner for gpt2, cl100k, o200k and qwen2, ICU for other patterns), icu, or scanner.",
        valueName: "auto|icu|scanner"))
    var engine: RegexEngine = .auto

    func validate() throws {
        if pattern != nil, patternRegex != nil { throw ValidationError("give --pattern or --pattern-regex, not both") }
    }

    /// The pattern the user gave, or `nil` when the command's default applies.
    var given: SplitPattern? {
        if let patternRegex { return SplitPattern(regex: patternRegex) }
        return pattern?.splitPattern
    }
}

/// The named split patterns of OpenAI's and Qwen's tokenizers, as `--pattern` takes them.
enum PatternName: String, ArgumentChoice {
    case gpt2, cl100k, o200k, qwen2

    /// A name or one of its aliases (`r50k`, `cl100k_base`, `qwen3`, …), as `SplitPattern(name:)` reads them.
    init?(argument: String) {
        guard let pattern = SplitPattern(name: argument) else { return nil }
        self.init(rawValue: pattern.description)
    }

    var splitPattern: SplitPattern {
        switch self {
        case .gpt2: return .gpt2
        case .cl100k: return .cl100k
        case .o200k: return .o200k
        case .qwen2: return .qwen2
        }
    }
}

extension RegexEngine: ArgumentChoice {}

/// `--special`, the same syntax and meaning in every command: TEXT, or TEXT=ID.
struct SpecialTokenOptions: ParsableArguments {
    @Option(name: .customLong("special"), help: ArgumentHelp(
        "A special token: TEXT, or TEXT=ID (ID: the digits after the last '='); repeat for several. Without an ID it takes the next id after the vocabulary's tokens. Replaces a vocabulary's special tokens; train assigns the ids itself (after the merges, or first with --specials-first), so there give TEXT only.",
        valueName: "text[=id]"))
    var specials: [SpecialTokenRequest] = []
}

extension SpecialTokenRequest: ExpressibleByArgument {
    /// `TEXT=ID` when what follows the last `=` is a token id, else the whole argument is the text.
    public init?(argument: String) {
        if let equals = argument.lastIndex(of: "="), equals != argument.startIndex,
           let id = TokenID(argument[argument.index(after: equals)...]) {
            self.init(String(argument[..<equals]), id: id)
        } else {
            guard !argument.isEmpty else { return nil }
            self.init(argument, id: nil)
        }
    }
}
