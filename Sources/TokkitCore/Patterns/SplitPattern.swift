/// A pre-tokenization pattern: one of the named patterns of OpenAI's tokenizers, or any regex.
public enum SplitPattern: Sendable, Hashable, CustomStringConvertible {
    /// GPT-2 / r50k / p50k (tiktoken `r50k_pat_str`).
    case gpt2
    /// cl100k_base, as tiktoken 0.8+ writes it (with possessive quantifiers and `\s++$`).
    case cl100k
    /// o200k_base.
    case o200k
    /// Qwen2, Qwen2.5 and Qwen3 (the `Split` regex of their `tokenizer.json`): cl100k's pattern with
    /// single digits and without cl100k's `\s++$` rule.
    case qwen2
    /// Any pattern in tiktoken's (fancy-regex) syntax; compiled with ICU after `ICUPatternTranslation`.
    case custom(String)

    /// The exact pattern strings of tiktoken 0.14.0 `tiktoken_ext/openai_public.py`.
    public var regex: String {
        switch self {
        case .gpt2:
            return #"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"#
        case .cl100k:
            return #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"#
        case .o200k:
            return #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .qwen2:
            return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .custom(let pattern):
            return pattern
        }
    }

    /// The names accepted on the command line, in `--help` order.
    public static let names = ["gpt2", "cl100k", "o200k", "qwen2"]

    /// Parses a name (`gpt2`, `r50k`, `p50k`, `cl100k`, `cl100k_base`, `o200k`, `o200k_base`, `qwen2`).
    public init?(name: String) {
        switch name.lowercased() {
        case "gpt2", "r50k", "r50k_base", "p50k", "p50k_base": self = .gpt2
        case "cl100k", "cl100k_base": self = .cl100k
        case "o200k", "o200k_base": self = .o200k
        case "qwen2", "qwen2.5", "qwen3": self = .qwen2
        default: return nil
        }
    }

    /// Recognises a pattern string that is exactly one of the named patterns.
    public init(regex: String) {
        switch regex {
        case SplitPattern.gpt2.regex: self = .gpt2
        case SplitPattern.cl100k.regex: self = .cl100k
        case SplitPattern.o200k.regex: self = .o200k
        case SplitPattern.qwen2.regex: self = .qwen2
        default: self = .custom(regex)
        }
    }

    public var description: String {
        switch self {
        case .gpt2: return "gpt2"
        case .cl100k: return "cl100k"
        case .o200k: return "o200k"
        case .qwen2: return "qwen2"
        case .custom(let pattern): return "custom(\(pattern))"
        }
    }
}
