/// How a file is cut into documents.
public enum DocumentFormat: Sendable, Hashable {
    /// Plain text; documents are lines, blank-line-separated paragraphs, or whole files.
    case text(DocumentSplit)
    /// JSON Lines: one object per line, the document is the string in `field`.
    case jsonl(field: String)
}

/// What one document of a plain-text file is.
public enum DocumentSplit: String, Sendable, Hashable, CaseIterable {
    /// Each line, without its `\n` (or `\r\n`), as `train_from_iterator` over stripped lines sees it.
    /// (HF's `tokenizer.train(files)` keeps the terminator: `DocumentReader`'s `keepLineTerminators`.)
    case lines
    /// Runs of non-blank lines, separated by one or more blank lines; inner newlines are kept.
    case paragraphs
    /// The whole file, bytes as they are.
    case file
}
