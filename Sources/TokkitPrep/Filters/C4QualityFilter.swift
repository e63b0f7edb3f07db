/// datatrove's `C4QualityFilter` (Raffel et al. 2020, C4): a line cleaner that is also a filter.
///
/// Lines (`str.splitlines()`, stripped) with a word over 1000 characters, without terminal
/// punctuation (when `filterNoTerminalPunct`), with fewer than 3 words, mentioning `javascript`
/// or a cookie/terms policy are removed; `lorem ipsum` or `{` drops the whole document; fewer than
/// 5 sentences in the kept lines drops it. A kept document's text becomes its kept lines joined
/// with `\n` — the filter rewrites the text, and later stages see the rewritten text.
public struct C4QualityFilter: Sendable, Hashable {
    public var removeCitations = true
    public var filterNoTerminalPunct = true
    public var minNumSentences = 5
    public var minWordsPerLine = 3
    public var maxWordLength = 1000
    public var filterLoremIpsum = true
    public var filterJavascript = true
    public var filterCurlyBracket = true
    public var filterPolicy = true

    public init() {}

    public static let reasons = ["lorem_ipsum", "curly_bracket", "too_few_sentences"]
    static let policies: [StaticString] = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"]

    /// The reason to drop the document, or `nil` with `rewritten` set to the new text.
    public func evaluate(_ view: TextView, _ measured: inout Measurements, rewritten: inout String) -> String? {
        var sentences = 0
        var kept: [String] = []
        var removed: [String: Int] = [:]
        for range in PythonText.splitLines(view.scalars) {
            let stripped = PythonText.strip(view.scalars, range)
            var words = 0
            var longest = 0
            var run = 0
            for index in stripped {
                if PythonText.isSpace(view.scalars[index]) {
                    if run > 0 { words += 1; longest = max(longest, run) }
                    run = 0
                } else {
                    run += 1
                }
            }
            if run > 0 { words += 1; longest = max(longest, run) }
            if maxWordLength != -1, longest > maxWordLength { removed["too_long_word", default: 0] += 1; continue }
            var line = Array(view.scalars[stripped])
            if removeCitations { line = Self.removingCitations(line) }
            if filterNoTerminalPunct {
                let last = line.last
                let terminal = last == "." || last == "?" || last == "!" || last == "\"" || last == "'"
                let ellipsis = line.count >= 3 && line.suffix(3).allSatisfy { $0 == "." }
                if !terminal || ellipsis { removed["no_terminal_punc", default: 0] += 1; continue }
            }
            if words < minWordsPerLine { removed["too_few_words", default: 0] += 1; continue }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: line)
            let text = String(view)
            var lower = text.lowercased()
            let (lorem, javascript, policy) = lower.withUTF8 { bytes in
                (filterLoremIpsum && Self.contains(bytes, "lorem ipsum"), filterJavascript && Self.contains(bytes, "javascript"),
                 filterPolicy && Self.policies.contains { Self.contains(bytes, $0) })
            }
            if lorem { return "lorem_ipsum" }
            if javascript { removed["javascript", default: 0] += 1; continue }
            if filterCurlyBracket, line.contains("{") { return "curly_bracket" }
            if policy { removed["policy", default: 0] += 1; continue }
            // Only `sentences < minNumSentences` is asked, so counting stops once the minimum is
            // reached: sentence splitting is a full spaCy tokenization of the line.
            if minNumSentences != -1, sentences < minNumSentences { sentences += SpacyEnglishWordSplitter.shared.sentenceCount(text) }
            kept.append(text)
        }
        measured.note("kept_lines", kept.count)
        for (reason, count) in removed.sorted(by: { $0.key < $1.key }) { measured.note("lines_removed_\(reason)", count) }
        measured.append(("sentences", minNumSentences != -1 && sentences >= minNumSentences ? "\(minNumSentences)+" : "\(sentences)"))
        if sentences < minNumSentences { return "too_few_sentences" }
        let joined = kept.joined(separator: "\n")
        let scalars = Array(joined.unicodeScalars)
        let body = PythonText.strip(scalars, 0..<scalars.count)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[body])
        rewritten = String(result)
        return nil
    }

    /// Python's `needle in text` on UTF-8 bytes (the same answer as on code points, for valid UTF-8).
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        let first = pattern[0]
        var index = 0
        while index <= bytes.count - count {
            if bytes[index] == first, UnsafeBufferPointer(rebasing: bytes[index..<index + count]).elementsEqual(pattern) { return true }
            index += 1
        }
        return false
    }

    /// `re.sub(r"\[\d*]|\[edit]|\[citation needed]", "", line)` (`\d`: any Unicode decimal digit).
    static func removingCitations(_ line: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard line.contains("[") else { return line }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(line.count)
        var index = 0
        let edit = Array("[edit]".unicodeScalars)
        let needed = Array("[citation needed]".unicodeScalars)
        while index < line.count {
            if line[index] == "[" {
                var end = index + 1
                while end < line.count, line[end].properties.numericType == .decimal { end += 1 }
                if end < line.count, line[end] == "]" { index = end + 1; continue }
                if line[index...].starts(with: edit) { index += edit.count; continue }
                if line[index...].starts(with: needed) { index += needed.count; continue }
            }
            output.append(line[index])
            index += 1
        }
        return output
    }
}

/// datatrove's `C4ParagraphFilter` (mC4): keep a document with at least 3 lines of which the
/// 3 longest are each at least 200 characters long.
public struct C4ParagraphFilter: Sendable, Hashable {
    public var minParagraphs = 3
    public var minParagraphLength = 200

    public init() {}

    public var reason: String { "< \(minParagraphs) paragraphs" }

    public func evaluate(_ view: TextView, _ measured: inout Measurements) -> String? {
        var lengths: [Int] = []
        var start = 0
        for (index, scalar) in view.scalars.enumerated() where scalar == "\n" {
            lengths.append(index - start)
            start = index + 1
        }
        lengths.append(view.length - start)
        measured.note("lines", lengths.count)
        let longest = lengths.sorted(by: >).prefix(minParagraphs)
        measured.note("shortest_of_longest", longest.last ?? 0)
        if lengths.count < minParagraphs || (longest.min() ?? 0) < minParagraphLength { return reason }
        return nil
    }
}
