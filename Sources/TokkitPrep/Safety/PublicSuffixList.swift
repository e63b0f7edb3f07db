import Foundation

/// The ICANN section of the Public Suffix List, to find a host's registered domain as
/// `tldextract` does (datatrove's URL filter calls `TLDExtract()`, which ignores the private
/// section by default): the longest matching rule wins, `*.` rules match any one label, `!`
/// exceptions shorten a wildcard match by one label.
public struct PublicSuffixList: Sendable {
    private let rules: Set<String>
    private let wildcards: Set<String>
    private let exceptions: Set<String>

    /// The list Debian's `publicsuffix` package installs.
    public static let systemPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    /// Reads a `public_suffix_list.dat`.
    /// - Throws: `PrepError.unreadableList` when it cannot be read.
    public init(path: String = PublicSuffixList.systemPath) throws(PrepError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableList(path: path, reason: "cannot read the public suffix list (install Debian's publicsuffix package or give its path)")
        }
        var rules = Set<String>()
        var wildcards = Set<String>()
        var exceptions = Set<String>()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            if line.contains("===BEGIN PRIVATE DOMAINS===") { break }
            let rule = line.split(separator: " ").first.map(String.init) ?? ""
            if rule.isEmpty || rule.hasPrefix("//") { continue }
            if rule.hasPrefix("!") {
                exceptions.insert(String(rule.dropFirst()))
            } else if rule.hasPrefix("*.") {
                wildcards.insert(String(rule.dropFirst(2)))
            } else {
                rules.insert(rule)
            }
        }
        self.rules = rules
        self.wildcards = wildcards
        self.exceptions = exceptions
    }

    /// How many trailing labels of `labels` (lowercased) form the public suffix; 0 when none matches.
    func suffixLength(_ labels: [String]) -> Int {
        var best = 0
        for count in 1...labels.count {
            let candidate = labels.suffix(count).joined(separator: ".")
            if exceptions.contains(candidate) { return count - 1 }
            if rules.contains(candidate) { best = max(best, count) }
            if count >= 2, wildcards.contains(labels.suffix(count - 1).joined(separator: ".")) { best = max(best, count) }
        }
        return best
    }

    /// `(registered_domain, fqdn)` of `url` as tldextract 5 computes them ("" when the host has no
    /// public suffix or is an IP address).
    public func split(url: String) -> (registeredDomain: String, fqdn: String) {
        let host = Self.host(of: url)
        guard !host.isEmpty, IPv4Address(host) == nil else { return ("", "") }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let lowered = labels.map { $0.lowercased() }
        let suffix = suffixLength(lowered)
        guard suffix > 0, suffix < labels.count, !labels[labels.count - suffix - 1].isEmpty else { return ("", "") }
        let registered = labels.suffix(suffix + 1).joined(separator: ".")
        return (registered, labels.joined(separator: "."))
    }

    /// tldextract's lenient netloc: drop a `scheme://`, then everything from the first `/`, `?`
    /// or `#`, the user info up to the last `@`, the port, and trailing dots.
    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let range = rest.range(of: "//") {
            let scheme = rest[..<range.lowerBound]
            if range.lowerBound == rest.startIndex {
                rest = rest[range.upperBound...]
            } else if scheme.hasSuffix(":"), scheme.dropLast().allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) {
                rest = rest[range.upperBound...]
            }
        }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
        var host = String(rest).trimmingCharacters(in: .whitespaces)
        while let last = host.last, ".\u{3002}\u{FF0E}\u{FF61}".contains(last) { host.removeLast() }
        return host
    }
}
