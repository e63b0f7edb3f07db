import Foundation
import TokkitCorpus
import TokkitIO

/// C4's bad-words rule: drops a document whose lowercased text contains a listed word.
///
/// Two forms. With one list file (`list:`), every document is searched for
/// `(?:\W|^)(word1|word2|…)(?:\W|$)`, whatever its language. With a directory of per-language
/// lists (`lists:`, LDNOOBW's layout: one file per language, named by its code — `en`, `de`, `ja`,
/// `fr-CA-u-sd-caqc`), the list is chosen by the document's `metadata["language"]` (default
/// `default_language`, "en"), exactly as datatrove's `C4BadWordsFilter`:
/// - a list's words are its lines stripped of whitespace, as a set, minus the allow-listed
///   sub-words `sm`, `グロ`, `女の子` (ja) and `性` (zh), which datatrove removes from *every* list;
/// - Japanese, Thai and Chinese (`ja`, `th`, `zh`), written without spaces, match anywhere; the
///   other languages only between non-word characters, with Python's `\W` (`[^\p{L}\p{N}_]`, which
///   unlike ICU's counts combining marks as non-word: Devanagari vowel signs end a Hindi word);
/// - a language with no list stops the run (`fail_on_missing_language`, datatrove's default) or
///   passes the document, counted under `missing_badwords_lang`.
/// Tokkit ships no list (LDNOOBW's are the user's to supply). A list with a blank line, or an empty
/// one, is refused: datatrove would compile the empty word into its pattern and drop nearly every
/// document.
///
/// `keep_fraction` keeps that share of the matching documents, as datatrove's parameter of the same
/// name, but with a different draw: datatrove takes the next number of numpy's `default_rng(seed)`
/// stream for each matching document, so which documents survive depends on the order each task
/// met them in (and on nothing reproducible without a seed). Here the draw is
/// ``MixRun/draw(seed:source:id:)`` of the document id, the one deterministic draw mixing and the
/// classifier's Pareto rule use: the same documents survive for any thread count, rank split or
/// rerun. The kept share matches in expectation; the kept documents are not datatrove's.
public struct BannedWordsFilter: Sendable {
    /// The words of the single list, or of the default language's list.
    public let words: [String]
    private let single: WordPattern?
    private let perLanguage: [String: WordPattern]
    public let defaultLanguage: String
    public let failOnMissingLanguage: Bool
    /// The share of matching documents kept anyway (0 drops them all, datatrove's default).
    public private(set) var keepFraction = 0.0
    /// The seed of the keep draw.
    public private(set) var seed: UInt64 = 0

    public static let reason = "document_removed_with_badwords"
    /// The languages datatrove matches without word boundaries.
    public static let unspacedLanguages: Set<String> = ["ja", "th", "zh"]
    /// datatrove's `_BADWORDS_ALLOWLIST`, removed from every language's list.
    static let allowList: Set<String> = ["sm", "グロ", "女の子", "性"]
    /// Python's `\W`: not a letter, not a number, not `_`.
    static let nonWord = "[^\\p{L}\\p{N}_]"

    /// One list for every document: lines starting with `#` and blank lines ignored.
    public init(path: String) throws(PrepError) {
        let words = Array(Set(try URLFilter.readList(path, normalized: false).filter { !$0.isEmpty })).sorted()
        self.words = words
        single = words.isEmpty ? nil : try WordPattern(words, boundaries: true)
        perLanguage = [:]
        defaultLanguage = "en"
        failOnMissingLanguage = false
    }

    /// Per-language lists from `directory`: each file whose name is a language code.
    public init(directory: String, defaultLanguage: String = "en", failOnMissingLanguage: Bool = true) throws(PrepError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .unreadableList(path: directory, reason: "not a readable directory of per-language lists")
        }
        var lists: [String: WordPattern] = [:]
        var defaultWords: [String] = []
        for name in names.sorted() where Self.isLanguageCode(name) {
            let words = try Self.readDatatroveList(directory + "/" + name)
            lists[name] = try WordPattern(words, boundaries: !Self.unspacedLanguages.contains(name))
            if name == defaultLanguage { defaultWords = words }
        }
        guard !lists.isEmpty else {
            throw .unreadableList(path: directory, reason: "no list files named by a language code (en, de, ja, fr-CA-u-sd-caqc, …)")
        }
        words = defaultWords
        single = nil
        perLanguage = lists
        self.defaultLanguage = defaultLanguage
        self.failOnMissingLanguage = failOnMissingLanguage
    }

    /// This filter keeping `fraction` (0…1) of the matching documents, drawn with `seed`.
    public func keeping(fraction: Double, seed: UInt64) throws(PrepError) -> BannedWordsFilter {
        guard fraction.isFinite, (0...1).contains(fraction) else {
            throw .invalidConfiguration("bad_words keep_fraction must be between 0 and 1, got \(fraction)")
        }
        var copy = self
        copy.keepFraction = fraction
        copy.seed = seed
        return copy
    }

    /// The languages that have a list (empty for the single-list form).
    public var languages: [String] { perLanguage.keys.sorted() }

    /// `en`, `fil`, `fr-CA-u-sd-caqc`: a lowercase primary subtag, then `-`-separated alphanumerics.
    static func isLanguageCode(_ name: String) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return false }
        return parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    /// A list read as datatrove reads it: `set(line.strip() for line in open(path))` (universal
    /// newlines, Python's whitespace), minus the allow-list. Blank lines are refused (see above).
    static func readDatatroveList(_ path: String) throws(PrepError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadableList(path: path, reason: "no such file, or not readable") }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadableList(path: path, reason: "not UTF-8 text") }
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }  // after a final newline: no line
        var words = Set<String>()
        for (index, line) in lines.enumerated() {
            let scalars = line.unicodeScalars
            guard let start = scalars.firstIndex(where: { !PythonText.isSpace($0) }),
                  let last = scalars.lastIndex(where: { !PythonText.isSpace($0) }) else {
                throw .unreadableList(path: path, reason: "line \(index + 1) is blank; datatrove would match the empty word in nearly every document")
            }
            words.insert(String(scalars[start...last]))
        }
        words.subtract(allowList)
        guard !words.isEmpty else { throw .unreadableList(path: path, reason: "the list is empty; datatrove would match nearly every document") }
        return words.sorted()
    }

    /// The document's fate: `nil` to keep, a drop reason, or a missing list (`missing` names the
    /// language); `keptByDraw` when it matched but `keep_fraction` let it through.
    /// - Throws: `PrepError.matchingFailed` when ICU gives up on the text (the document cannot be judged).
    public func evaluate(_ document: Document, _ view: TextView, _ measured: inout Measurements) throws(PrepError)
        -> (reason: String?, missingLanguage: String?, keptByDraw: Bool) {
        let pattern: WordPattern
        if let single {
            pattern = single
        } else {
            let language: String
            switch document.metadata["language"] {
            case nil: language = defaultLanguage
            case .string(let value)?: language = value
            case let other?: language = String(decoding: JSONWriter.bytes(other), as: UTF8.self)
            }
            measured.append(("language", language))
            guard let found = perLanguage[language] else { return (nil, language, false) }
            pattern = found
        }
        let matched = try pattern.matches(view.text.lowercased())
        measured.append(("bad_word", matched ? "found" : "none"))
        guard matched else { return (nil, nil, false) }
        if keepFraction > 0 {
            let draw = MixRun.draw(seed: seed, source: "bad_words", id: document.id)
            measured.append(("keep_draw", String(format: "%.6f", draw)))
            if draw < keepFraction { return (nil, nil, true) }
        }
        return (Self.reason, nil, false)
    }
}

/// A compiled alternation of words, usable from several threads at once (``ICUPattern`` lends each
/// caller its own ICU matcher).
struct WordPattern: Sendable {
    private let pattern: ICUPattern

    init(_ words: [String], boundaries: Bool) throws(PrepError) {
        let escaped = words.map { "\\Q" + $0.replacingOccurrences(of: "\\E", with: "\\E\\\\E\\Q") + "\\E" }.joined(separator: "|")
        let source = boundaries ? "(?:\(BannedWordsFilter.nonWord)|^)(\(escaped))(?:\(BannedWordsFilter.nonWord)|$)" : escaped
        do {
            pattern = try ICUPattern(source)
        } catch {
            throw .invalidConfiguration(error.description)
        }
    }

    /// Whether `text` holds a match.
    /// - Throws: `PrepError.matchingFailed` when ICU gives up on the text.
    func matches(_ text: String) throws(PrepError) -> Bool {
        try !pattern.matches(text).isEmpty
    }
}
