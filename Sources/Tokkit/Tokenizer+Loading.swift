import Foundation
import TokkitCore
import TokkitFormats
import TokkitText

extension Tokenizer {
    /// A bundled vocabulary with its own pattern and special tokens, sha256-checked as it loads.
    ///
    /// ```swift
    /// import Tokkit
    /// let enc = try Tokenizer(named: .cl100k_base)
    /// let ids = try enc.encode("hello world")   // [15339, 1917]
    /// ```
    ///
    /// The files ship as SwiftPM resources of `TokkitFormats`; `$TOKKIT_VOCABULARIES` points at another
    /// folder holding the same file names (see `VocabularyDirectory`).
    public init(named vocabulary: NamedVocabulary, engine: RegexEngine = .auto) throws(TokenizerLoadError) {
        self = try TokenizerLoader.load(vocabulary.name, engine: engine)
    }

    /// A tokenizer from a vocabulary file: `.tiktoken`, Hugging Face `tokenizer.json`, or GPT-2
    /// `encoder.json` (with `vocab.bpe` beside it).
    ///
    /// - Parameters:
    ///   - pattern: overrides the file's pattern; a `.tiktoken` file records none, so it gets the
    ///     pattern of the bundled vocabulary with the same sha256, else this one, else an error.
    ///   - specialTokens: overrides the file's special tokens.
    public init(contentsOf url: URL, pattern: SplitPattern? = nil, specialTokens: [SpecialToken]? = nil,
                engine: RegexEngine = .auto) throws(TokenizerLoadError) {
        self = try TokenizerLoader.load(url.path, pattern: pattern, specialTokens: specialTokens, engine: engine)
    }
}
