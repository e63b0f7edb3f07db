import Foundation
import TokkitCorpus
import TokkitIO

/// datatrove's `URLFilter` (FineWeb's first filter) with lists read from files: a blocked
/// registered domain (`domain`), full host (`subdomain`) or URL (`url`); a banned word among the
/// URL's alphanumeric runs (`hard_blacklisted`); two or more soft-banned words
/// (`soft_blacklisted`); a banned sub-word anywhere in the URL's letters and digits
/// (`blacklisted_subword`).
///
/// Lists are read the way datatrove reads its own: one entry per line, lines starting with `#`
/// ignored; words are normalized (`[^a-zA-Z0-9]+` removed, lowercased), domains and URLs stripped.
/// A document without `metadata["url"]` passes and is counted (datatrove would stop on it).
public struct URLFilter: Sendable {
    public var domains: Set<String> = []
    public var urls: Set<String> = []
    public var bannedWords: Set<String> = []
    public var bannedSubwords: [String] = []
    public var softBannedWords: Set<String> = []
    public var softWordThreshold = 2
    /// Needed only when there are domains to block.
    public var suffixes: PublicSuffixList?

    public static let reasons = ["domain", "subdomain", "url", "hard_blacklisted", "soft_blacklisted", "blacklisted_subword"]

    public init(suffixes: PublicSuffixList?) { self.suffixes = suffixes }

    /// `re.sub("[^a-zA-Z0-9]+", "", text).lower()`.
    public static func normalize(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || PythonText.isDigit($0)) }))
            .lowercased()
    }

    /// Reads a list file: `normalized` for word lists, stripped for domain and URL lists.
    public static func readList(_ path: String, normalized: Bool) throws(PrepError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableList(path: path, reason: "no such file, or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadableList(path: path, reason: "not UTF-8 text") }
        var entries: [String] = []
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        for line in lines where !line.hasPrefix("#") {
            entries.append(normalized ? normalize(line) : line.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return entries
    }

    public func evaluate(_ metadata: JSONObject, _ measured: inout Measurements) -> (reason: String?, missing: Bool) {
        guard let url = metadata["url"]?.stringValue, !url.isEmpty else { return (nil, true) }
        let parts = suffixes?.split(url: url) ?? (registeredDomain: "", fqdn: "")
        measured.append(("registered_domain", parts.registeredDomain))
        if domains.contains(parts.registeredDomain) { return ("domain", false) }
        if domains.contains(parts.fqdn) { return ("subdomain", false) }
        if urls.contains(url) { return ("url", false) }
        var words = Set<String>()
        var current = ""
        for scalar in url.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || PythonText.isDigit(scalar) {
                current.unicodeScalars.append(scalar)
            } else {
                words.insert(current)
                current = ""
            }
        }
        words.insert(current)
        if bannedWords.contains(where: words.contains) { return ("hard_blacklisted", false) }
        let soft = softBannedWords.reduce(0) { $0 + (words.contains($1) ? 1 : 0) }
        measured.note("soft_banned_words", soft)
        if soft >= softWordThreshold { return ("soft_blacklisted", false) }
        let normalized = Self.normalize(url)
        if bannedSubwords.contains(where: { !$0.isEmpty && normalized.contains($0) }) { return ("blacklisted_subword", false) }
        return (nil, false)
    }
}
