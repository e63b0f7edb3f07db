import TokkitCorpus
import TokkitIO

/// datatrove's `FineWebQualityFilter`, the three statistical filters FineWeb added (plus the
/// newline-per-word check): lines ending in punctuation, short lines, characters in duplicated
/// lines, newlines per word.
public struct FineWebQualityFilter: Sendable, Hashable {
    public var version: RuleVersion
    public var linePunctThreshold = 0.12
    public var linePunctExcludeZero = false
    public var shortLineThreshold = 0.67
    public var shortLineLength = 30
    public var charDuplicatesRatio = 0.01
    public var newLineRatio = 0.3

    public init(version: RuleVersion) { self.version = version }

    public static let reasons = ["empty", "line_punct_ratio", "short_line_ratio", "char_dup_ratio", "list_ratio"]
    /// v0.2.0's stop characters; today's are `TERMINAL_PUNCTUATION` (which has no quotes).
    static let v020StopCharacters: Set<Unicode.Scalar> = [".", "'", "\"", "!", "?"]

    public func evaluate(_ view: TextView, _ measured: inout Measurements) -> String? {
        var all: [Range<Int>] = []
        var start = 0
        for (index, scalar) in view.scalars.enumerated() where scalar == "\n" {
            all.append(start..<index)
            start = index + 1
        }
        all.append(start..<view.length)
        let nonEmpty = all.filter { !PythonText.strip(view.scalars, $0).isEmpty }
        let stopCharacters = version == .v0_2_0 ? Self.v020StopCharacters : Punctuation.terminal
        // v0.2.0 measured the first two ratios over every line, empty ones included, with
        // inclusive comparisons; today's over non-empty lines, strictly.
        let lines = version == .v0_2_0 ? all : nonEmpty
        if lines.isEmpty { return "empty" }
        let punctuated = lines.reduce(0) { $0 + (!$1.isEmpty && stopCharacters.contains(view.scalars[$1.upperBound - 1]) ? 1 : 0) }
        let punctRatio = Double(punctuated) / Double(lines.count)
        measured.note("line_punct_ratio", punctRatio)
        let punctFails = version == .v0_2_0 ? punctRatio <= linePunctThreshold : punctRatio < linePunctThreshold
        if punctFails, !(punctRatio == 0 && linePunctExcludeZero) { return "line_punct_ratio" }
        let short = lines.reduce(0) { $0 + ($1.count <= shortLineLength ? 1 : 0) }
        let shortRatio = Double(short) / Double(lines.count)
        measured.note("short_line_ratio", shortRatio)
        if version == .v0_2_0 ? shortRatio >= shortLineThreshold : shortRatio > shortLineThreshold { return "short_line_ratio" }
        let duplicated = GopherRepetitionFilter.duplicates(view, nonEmpty).characters
        let charDupRatio = Double(duplicated) / Double(view.length - (all.count - 1))
        measured.note("char_dup_ratio", charDupRatio)
        if version == .v0_2_0 ? charDupRatio >= charDuplicatesRatio : charDupRatio > charDuplicatesRatio { return "char_dup_ratio" }
        let listRatio = Double(all.count - 1) / Double(view.words.count)
        measured.note("newlines_per_word", listRatio)
        if listRatio > newLineRatio { return "list_ratio" }
        return nil
    }
}

/// FineWeb's language rule applied to a score already in the metadata (what datatrove's
/// `LanguageFilter` writes as `language` / `language_score`): keep when the score is above the
/// threshold and, if languages are given, the language is one of them.
///
/// A document without `language_score` passes and is counted (`no_language_score`): this stage
/// reads a score, it does not compute one (fastText's model cannot ship with Tokkit).
public struct LanguageScoreFilter: Sendable, Hashable {
    public var languages: [String]? = ["en"]
    public var threshold = 0.65

    public init() {}

    public static let reason = "language_score"

    /// The reason to drop (or `nil`), and whether the metadata had no score (then the document passes).
    public func evaluate(_ metadata: JSONObject, _ measured: inout Measurements) -> (reason: String?, missing: Bool) {
        guard let score = metadata["language_score"]?.doubleValue else { return (nil, true) }
        let language = metadata["language"]?.stringValue ?? ""
        measured.append(("language", language))
        measured.note("language_score", score)
        if let languages, !languages.contains(language) { return (Self.reason, false) }
        return (score > threshold ? nil : Self.reason, false)
    }
}

/// A document-length filter over Unicode scalars (Python `len`), words or UTF-8 bytes.
public struct LengthFilter: Sendable, Hashable {
    public enum Unit: String, Sendable, Hashable, CaseIterable { case characters, words, bytes }
    public var unit: Unit = .characters
    public var minimum: Int?
    public var maximum: Int?

    public init() {}

    public func evaluate(_ view: TextView, _ measured: inout Measurements) -> String? {
        let length: Int
        switch unit {
        case .characters: length = view.length
        case .words: length = view.words.count
        case .bytes: length = view.text.utf8.count
        }
        measured.note("length_\(unit.rawValue)", length)
        if let minimum, length < minimum { return "too_short" }
        if let maximum, length > maximum { return "too_long" }
        return nil
    }
}
