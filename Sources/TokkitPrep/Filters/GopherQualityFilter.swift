/// datatrove's `GopherQualityFilter` (Gopher paper, Rae et al. 2021, appendix A): word count,
/// mean word length, `#` and ellipsis ratios, bullet and trailing-ellipsis lines, alphabetic
/// words, stop words. The first failing check is the reason.
public struct GopherQualityFilter: Sendable, Hashable {
    public var version: RuleVersion
    public var minDocWords: Int? = 50
    public var maxDocWords: Int? = 100_000
    public var minAvgWordLength: Double? = 3
    public var maxAvgWordLength: Double? = 10
    public var maxSymbolWordRatio: Double? = 0.1
    public var maxBulletLinesRatio: Double? = 0.9
    public var maxEllipsisLinesRatio: Double? = 0.3
    public var maxNonAlphaWordsRatio: Double? = 0.8
    public var minStopWords: Int? = 2
    public var stopWords: Set<String> = ["the", "be", "to", "of", "and", "that", "have", "with"]

    public init(version: RuleVersion) { self.version = version }

    public static let reasons = ["gopher_short_doc", "gopher_long_doc", "gopher_below_avg_threshold", "gopher_above_avg_threshold",
                                 "gopher_too_many_hashes", "gopher_too_many_ellipsis", "gopher_too_many_bullets",
                                 "gopher_too_many_end_ellipsis", "gopher_below_alpha_threshold", "gopher_enough_stop_words"]

    /// The reason to drop `view`'s document, or `nil` to keep it; `measured` collects the values.
    public func evaluate(_ view: TextView, _ measured: inout Measurements) -> String? {
        let words = view.words
        let punctuation = version == .v0_2_0 ? Punctuation.v020 : Punctuation.current
        var nonSymbolCount = 0
        var nonSymbolLength = 0
        for word in words where word.unicodeScalars.contains(where: { !punctuation.contains($0) }) {
            nonSymbolCount += 1
            nonSymbolLength += word.unicodeScalars.count
        }
        measured.note("words", words.count)
        measured.note("non_symbol_words", nonSymbolCount)
        if let minDocWords, minDocWords != 0, nonSymbolCount < minDocWords { return "gopher_short_doc" }
        if let maxDocWords, maxDocWords != 0, nonSymbolCount > maxDocWords { return "gopher_long_doc" }
        let average = Double(nonSymbolLength) / Double(nonSymbolCount)
        measured.note("mean_word_length", average)
        if let minAvgWordLength, minAvgWordLength != 0, average < minAvgWordLength { return "gopher_below_avg_threshold" }
        if let maxAvgWordLength, maxAvgWordLength != 0, average > maxAvgWordLength { return "gopher_above_avg_threshold" }
        let wordCount = Double(words.count)
        let hashes = Double(view.count("#")) / wordCount
        measured.note("hash_ratio", hashes)
        if let maxSymbolWordRatio, maxSymbolWordRatio != 0, hashes > maxSymbolWordRatio { return "gopher_too_many_hashes" }
        let ellipses = Double(view.count("...") + view.count("…")) / wordCount
        measured.note("ellipsis_ratio", ellipses)
        if let maxSymbolWordRatio, maxSymbolWordRatio != 0, ellipses > maxSymbolWordRatio { return "gopher_too_many_ellipsis" }
        let lines = PythonText.splitLines(view.scalars)
        var bullets = 0
        var endEllipses = 0
        for line in lines {
            let stripped = PythonText.strip(view.scalars, line)
            let leading = line.lowerBound + (stripped.isEmpty ? line.count : stripped.lowerBound - line.lowerBound)
            if leading < line.upperBound, view.scalars[leading] == "•" || view.scalars[leading] == "-" { bullets += 1 }
            let trailing = stripped.isEmpty ? line.lowerBound : stripped.upperBound
            let tail = view.scalars[line.lowerBound..<trailing]
            if tail.last == "…" || tail.count >= 3 && tail.suffix(3).allSatisfy({ $0 == "." }) { endEllipses += 1 }
        }
        let bulletRatio = Double(bullets) / Double(lines.count)
        measured.note("bullet_lines_ratio", bulletRatio)
        if let maxBulletLinesRatio, maxBulletLinesRatio != 0, bulletRatio > maxBulletLinesRatio { return "gopher_too_many_bullets" }
        let endEllipsisRatio = Double(endEllipses) / Double(lines.count)
        measured.note("end_ellipsis_lines_ratio", endEllipsisRatio)
        if let maxEllipsisLinesRatio, maxEllipsisLinesRatio != 0, endEllipsisRatio > maxEllipsisLinesRatio {
            return "gopher_too_many_end_ellipsis"
        }
        let alphabetic = words.reduce(0) { $0 + ($1.unicodeScalars.contains(where: PythonText.isAlpha) ? 1 : 0) }
        let alphaRatio = Double(alphabetic) / wordCount
        measured.note("alpha_words_ratio", alphaRatio)
        if let maxNonAlphaWordsRatio, maxNonAlphaWordsRatio != 0, alphaRatio < maxNonAlphaWordsRatio { return "gopher_below_alpha_threshold" }
        // v0.2.0 counted occurrences ("the … the" passes); today's counts distinct stop words (#329).
        let stops = version == .v0_2_0
            ? words.reduce(0) { $0 + (stopWords.contains($1) ? 1 : 0) }
            : stopWords.intersection(words).count
        measured.note(version == .v0_2_0 ? "stop_word_occurrences" : "distinct_stop_words", stops)
        if let minStopWords, minStopWords != 0, stops < minStopWords { return "gopher_enough_stop_words" }
        return nil
    }
}
