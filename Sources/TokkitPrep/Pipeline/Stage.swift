import TokkitCorpus

/// One step of a preprocessing pipeline: a filter that keeps or drops a document with a reason,
/// a rewriter (C4 quality keeps the lines it likes), or the PII formatter.
public enum Stage: Sendable {
    case urlFilter(URLFilter)
    case languageScore(LanguageScoreFilter)
    case script(ScriptFilter)
    case gopherRepetition(GopherRepetitionFilter)
    case gopherQuality(GopherQualityFilter)
    case c4Quality(C4QualityFilter)
    case c4Paragraph(C4ParagraphFilter)
    case badWords(BannedWordsFilter)
    case fineWebQuality(FineWebQualityFilter)
    case length(LengthFilter)
    case pii(PIIFormatter)
    case controlCharacters(ControlCharacterCleaner)
    case replacementCharacters(ReplacementCharacterCleaner)
    case symbolLines(SymbolLinesCleaner)
    case normalize(TextNormalizer)

    /// The stage's name in configurations, statistics and drop records.
    public var name: String {
        switch self {
        case .urlFilter: return "url_filter"
        case .languageScore: return "language_score"
        case .script: return "script"
        case .gopherRepetition: return "gopher_repetition"
        case .gopherQuality: return "gopher_quality"
        case .c4Quality: return "c4_quality"
        case .c4Paragraph: return "c4_paragraph"
        case .badWords: return "bad_words"
        case .fineWebQuality: return "fineweb_quality"
        case .length: return "length"
        case .pii: return "pii"
        case .controlCharacters: return "control_characters"
        case .replacementCharacters: return "replacement_characters"
        case .symbolLines: return "symbol_lines"
        case .normalize: return "normalize"
        }
    }

    public static let names = ["url_filter", "language_score", "script", "gopher_repetition", "gopher_quality", "c4_quality", "c4_paragraph",
                               "bad_words", "fineweb_quality", "length", "pii", "control_characters", "replacement_characters",
                               "symbol_lines", "normalize"]

    /// Whether the stage carries state from one document to the next (PII's round-robin
    /// placeholders), so the runner applies it in input order rather than in parallel.
    public var isSequential: Bool {
        if case .pii = self { return true }
        return false
    }

    /// What a stage did to one document.
    public enum Outcome: Sendable, Equatable {
        case keep
        case drop(reason: String)
        /// Kept because the metadata the stage reads (`url`, `language_score`) is absent; counted under `counter`.
        case passWithout(counter: String)
        /// The run must stop: the stage cannot decide (bad_words meets a language without a list).
        case fail(message: String)
    }

    /// Applies a parallel stage to `document`; `view` is the text's analysis, replaced when the
    /// stage rewrites the text.
    public func apply(_ document: inout Document, _ view: inout TextView, _ measured: inout Measurements) -> Outcome {
        switch self {
        case .urlFilter(let filter):
            let result = filter.evaluate(document.metadata, &measured)
            if result.missing { return .passWithout(counter: "no_url") }
            return result.reason.map { .drop(reason: $0) } ?? .keep
        case .languageScore(let filter):
            let result = filter.evaluate(document.metadata, &measured)
            if result.missing { return .passWithout(counter: "no_language_score") }
            return result.reason.map { .drop(reason: $0) } ?? .keep
        case .script(let filter):
            return filter.evaluate(view, &measured).map { .drop(reason: $0) } ?? .keep
        case .gopherRepetition(let filter):
            return filter.evaluate(view, &measured).map { .drop(reason: $0) } ?? .keep
        case .gopherQuality(let filter):
            return filter.evaluate(view, &measured).map { .drop(reason: $0) } ?? .keep
        case .c4Quality(let filter):
            var rewritten = ""
            if let reason = filter.evaluate(view, &measured, rewritten: &rewritten) { return .drop(reason: reason) }
            rewrite(&document, &view, rewritten)
            return .keep
        case .c4Paragraph(let filter):
            return filter.evaluate(view, &measured).map { .drop(reason: $0) } ?? .keep
        case .badWords(let filter):
            let result: (reason: String?, missingLanguage: String?, keptByDraw: Bool)
            do { result = try filter.evaluate(document, view, &measured) } catch { return .fail(message: error.description) }
            if let language = result.missingLanguage {
                guard !filter.failOnMissingLanguage else {
                    return .fail(message: "bad_words has no list for language \(language.debugDescription) (lists: \(filter.languages.joined(separator: ", "))); "
                        + "add one, or set fail_on_missing_language: false to let such documents pass")
                }
                return .passWithout(counter: "missing_badwords_lang_\(language)")
            }
            if result.keptByDraw { return .passWithout(counter: "document_kept_with_badwords") }
            return result.reason.map { .drop(reason: $0) } ?? .keep
        case .fineWebQuality(let filter):
            return filter.evaluate(view, &measured).map { .drop(reason: $0) } ?? .keep
        case .length(let filter):
            return filter.evaluate(view, &measured).map { .drop(reason: $0) } ?? .keep
        case .pii:
            return .keep
        case .controlCharacters(let cleaner):
            let result = cleaner.clean(document.text)
            measured.note("control_characters_removed", result.removed)
            if result.removed > 0 { rewrite(&document, &view, result.text) }
            return .keep
        case .replacementCharacters(let cleaner):
            let result = cleaner.clean(document.text)
            measured.note("replacement_runs_collapsed", result.collapsed)
            if let reason = result.reason { return .drop(reason: reason) }
            if result.collapsed > 0 { rewrite(&document, &view, result.text) }
            return .keep
        case .symbolLines(let cleaner):
            let result = cleaner.clean(document.text)
            measured.note("symbol_lines_removed", result.removed)
            rewrite(&document, &view, result.text)
            return .keep
        case .normalize(let normalizer):
            rewrite(&document, &view, normalizer.normalize(document.text))
            return .keep
        }
    }

    private func rewrite(_ document: inout Document, _ view: inout TextView, _ text: String) {
        guard Array(text.utf8) != Array(document.text.utf8) else { return }
        document.text = text
        view = TextView(text)
    }
}

/// A named list of stages with the versions and parameters of a known recipe.
public enum Preset: String, Sendable, CaseIterable {
    /// FineWeb's filters after text extraction as FineWeb ran them (datatrove v0.2.0).
    case fineweb
    /// The same chain with today's datatrove defaults.
    case finewebDatatrove = "fineweb-datatrove"

    public var version: RuleVersion { self == .fineweb ? .v0_2_0 : .current }

    /// URL filter → language score → Gopher repetition → Gopher quality → C4 quality without the
    /// terminal-punctuation rule → FineWeb quality → PII (FineWeb's `examples/fineweb.py`, with the
    /// language score read from metadata and PII applied in the same pass).
    public func stages(urlFilter: URLFilter) throws(PrepError) -> [Stage] {
        var language = LanguageScoreFilter()
        // v0.2.0's LanguageFilter defaulted to languages=("en",); today's to None (any language).
        language.languages = self == .fineweb ? ["en"] : nil
        var c4 = C4QualityFilter()
        c4.filterNoTerminalPunct = false
        return [
            .urlFilter(urlFilter),
            .languageScore(language),
            .gopherRepetition(GopherRepetitionFilter(version: version)),
            .gopherQuality(GopherQualityFilter(version: version)),
            .c4Quality(c4),
            .fineWebQuality(FineWebQualityFilter(version: version)),
            .pii(try PIIFormatter(version: version)),
        ]
    }
}
