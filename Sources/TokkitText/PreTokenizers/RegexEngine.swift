import TokkitCore
/// Which implementation pre-splits text.
public enum RegexEngine: String, Sendable, CaseIterable {
    /// The hand-written scanner when the pattern is a named one (gpt2, cl100k, o200k, qwen2), else ICU.
    case auto
    /// ICU's regex engine, for any pattern: the reference the scanners are proven against.
    case icu
    /// The hand-written scanner; an error for a pattern that has none.
    case scanner

    /// The pre-tokenizer this engine uses for `pattern`.
    /// - Throws: `PreTokenizerError.invalidPattern` from ICU, or `.noScanner` for `.scanner` with a custom pattern.
    public func preTokenizer(for pattern: SplitPattern) throws(PreTokenizerError) -> any PreTokenizer {
        if self != .icu, let scanner = pattern.scanner { return scanner }
        if self == .scanner { throw .noScanner(pattern: pattern.regex) }
        return try RegexPreTokenizer(pattern)
    }
}

extension SplitPattern {
    /// The hand-written scanner that splits exactly like this pattern, or `nil` for a custom pattern.
    public var scanner: (any PreTokenizer)? {
        switch self {
        case .gpt2: return GPT2Scanner()
        case .cl100k: return CL100kScanner()
        case .o200k: return O200kScanner()
        case .qwen2: return Qwen2Scanner()
        case .custom: return nil
        }
    }
}
