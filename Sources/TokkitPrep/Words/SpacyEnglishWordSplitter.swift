/// The words datatrove's English filters count: spaCy `blank("en")`'s tokenizer, re-implemented.
///
/// datatrove (since v0.3) splits English text into words with spaCy's rule-based tokenizer and
/// drops whitespace tokens (`strip_strings`). Every Gopher and FineWeb measure that divides by a
/// word count, averages word lengths or looks for repeated n-grams depends on exactly where that
/// tokenizer cuts, so this type follows its algorithm step by step (spaCy `tokenizer.pyx`):
///
/// 1. The text is cut into runs of whitespace and non-whitespace (Python `str.isspace`).
/// 2. A non-whitespace chunk that is a special case (`"don't"` → `do` `n't`, `"U.S."`, `"10am"`)
///    becomes that case's tokens.
/// 3. Otherwise prefixes and suffixes are peeled off one at a time (prefix: the first matching
///    alternative at the start; suffix: the leftmost position from which an alternative matches to
///    the end), stopping early when what remains is a special case.
/// 4. What remains is a special case, a URL (one token), or is split at its infixes (`...`,
///    `a.B`, `a,b`, `a-b`, `a/b`, `3+4`).
///
/// The character classes and special cases are spaCy's own, measured from the installed spaCy by
/// `scripts/reference/generate_spacy_tables.py` into ``SpacyEnglishTables``, and spaCy's second
/// special-case pass over already split tokens (`_apply_special_cases`, for special cases glued
/// to other punctuation such as `"(:-)"`) is replayed too. The same splitter serves the filters
/// (``words(_:)``) and MinHash and decontamination on simplified text (``utf8Words(_:)``).
///
/// - Complexity: O(n·k) for a chunk of length n, k the number of affix alternatives (≈ 100).
public struct SpacyEnglishWordSplitter: Sendable {
    public static let shared = SpacyEnglishWordSplitter()

    private let alpha = CharacterClass(SpacyEnglishTables.alpha)
    private let alphaLower = CharacterClass(SpacyEnglishTables.alphaLower)
    private let icons = CharacterClass(SpacyEnglishTables.icons)
    private let suffixDotBefore = CharacterClass(SpacyEnglishTables.suffixDotBefore)
    private let infixDotBefore = CharacterClass(SpacyEnglishTables.infixDotBefore)
    private let infixDotAfter = CharacterClass(SpacyEnglishTables.infixDotAfter)
    private let alphaUpper = CharacterClass(SpacyEnglishTables.alphaUpper)
    let sentenceEnd = CharacterClass(SpacyEnglishTables.sentenceEnd)
    /// Special cases by the FNV-1a hash of their scalars: the key's scalars and the code-point
    /// lengths of the tokens it becomes. Hashing a slice in place avoids building a `String` for
    /// every candidate, and the tokenizer asks about several candidates per chunk.
    private let specialCases: [UInt64: [(key: [Unicode.Scalar], lengths: [Int])]]
    /// Longest special case, in scalars: longer candidates are not looked up.
    private let longestSpecialCase: Int
    /// spaCy's second pass (`_apply_special_cases`): special cases whose text the affix rules
    /// split, as the token sequence they split into, by the hash of that sequence's first token.
    private var phrases: [UInt64: [Phrase]] = [:]
    /// The first scalars of the phrases' first tokens: a token starting otherwise starts no phrase,
    /// so most tokens are passed over without hashing.
    private var phraseStarts = CharacterClass([])

    private struct Phrase: Sendable {
        var pattern: [[Unicode.Scalar]]
        var lengths: [Int]
    }

    /// Single characters that are whole alternatives of spaCy's prefix list, in its order.
    private static let punct = Array("…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪".unicodeScalars)
    private static let quotes = Array("'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧".unicodeScalars)
    private static let currencies = ["$", "£", "€", "¥", "฿", "US$", "C$", "A$", "₽", "﷼", "₴", "₠", "₡", "₢", "₣", "₤", "₥",
                                     "₦", "₧", "₨", "₩", "₪", "₫", "€", "₭", "₮", "₯", "₰", "₱", "₲", "₳", "₴", "₵", "₶", "₷",
                                     "₸", "₹", "₺", "₻", "₼", "₽", "₾", "₿"].map { Array($0.unicodeScalars) }
    private static let units = Set(("km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz "
        + "m/s km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb TB T G M K % км км² км³ м м² м³ дм дм² дм³ см см² см³ мм мм² мм³ "
        + "нм кг г мг м/с км/ч кПа Па мбар Кб КБ кб Мб МБ мб Гб ГБ гб Тб ТБ тбكم كم² كم³ م م² م³ سم سم² سم³ مم مم² مم³ كم غرام "
        + "جرام جم كغ ملغ كوب اكواب").split(separator: " ").map(String.init))
    private static let suffixWords = ["'s", "'S", "’s", "’S"].map { Array($0.unicodeScalars) }
    private static let punctClass = CharacterClass(String(String.UnicodeScalarView(punct)))
    private static let quotesClass = CharacterClass(String(String.UnicodeScalarView(quotes)))
    /// The hyphen alternatives of spaCy's infix list, in its order.
    private static let hyphens = ["-", "–", "—", "--", "---", "——", "~"].map { Array($0.unicodeScalars) }

    public init() {
        var cases: [UInt64: [(key: [Unicode.Scalar], lengths: [Int])]] = [:]
        var longest = 0
        for line in SpacyEnglishTables.specialCases.split(separator: "\n") {
            guard let tab = line.lastIndex(of: "\t") else { continue }
            let key = Array(line[..<tab].unicodeScalars)
            let lengths = line[line.index(after: tab)...].split(separator: ",").compactMap { Int($0) }
            cases[Self.hash(key[...]), default: []].append((key, lengths))
            longest = max(longest, key.count)
        }
        specialCases = cases
        longestSpecialCase = longest
        // spaCy adds a special case to its matcher when a prefix, suffix or infix rule applies to
        // its text ("faster heuristics"); the pattern is that text split without special cases.
        var phrases: [UInt64: [Phrase]] = [:]
        for entries in cases.values {
            for entry in entries {
                let key = entry.key
                let whole = 0..<key.count
                guard prefix(key, whole) > 0 || suffix(key, whole) > 0 || hasInfix(key, whole) else { continue }
                var split: [Range<Int>] = []
                splitAffixes(key, whole, specialCases: false, into: &split)
                let pattern = split.map { Array(key[$0]) }
                phrases[Self.hash(pattern[0][...]), default: []].append(Phrase(pattern: pattern, lengths: entry.lengths))
            }
        }
        self.phrases = phrases
        phraseStarts = CharacterClass(phrases.values.flatMap { $0.compactMap { $0.pattern.first?.first.map { $0.value...$0.value } } })
    }

    private func hasInfix(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> Bool {
        range.contains { infixMatch(scalars, at: $0, range: range) > $0 }
    }

    /// spaCy's second pass over the tokens of one chunk (`tokens[from...]`): every run of tokens
    /// that spells a special case's affix split is replaced by the special case's tokens, longest
    /// runs first, then leftmost; a run overlapping a taken one at its first or last token is skipped.
    private func applySpecialPhrases(_ scalars: [Unicode.Scalar], _ tokens: inout [Range<Int>], from start: Int) {
        guard tokens.count > start else { return }
        var matches: [(start: Int, end: Int, lengths: [Int])] = []
        for index in start..<tokens.count {
            guard let first = tokens[index].first, phraseStarts.contains(scalars[first]),
                  let candidates = phrases[Self.hash(scalars[tokens[index]])] else { continue }
            for phrase in candidates where index + phrase.pattern.count <= tokens.count {
                var matched = true
                for (offset, piece) in phrase.pattern.enumerated() where !scalars[tokens[index + offset]].elementsEqual(piece) {
                    matched = false
                    break
                }
                if matched { matches.append((index, index + phrase.pattern.count, phrase.lengths)) }
            }
        }
        guard !matches.isEmpty else { return }
        matches.sort { ($0.end - $0.start, -$0.start) > ($1.end - $1.start, -$1.start) }
        var seen = Set<Int>()
        var taken: [Int: (end: Int, lengths: [Int])] = [:]
        for match in matches {
            if !seen.contains(match.start), !seen.contains(match.end - 1) { taken[match.start] = (match.end, match.lengths) }
            for index in match.start..<match.end { seen.insert(index) }
        }
        // Only this chunk's tokens are rebuilt (copying the whole document's made long texts quadratic).
        var rebuilt: [Range<Int>] = []
        var index = start
        while index < tokens.count {
            if let span = taken[index] {
                pushSpecial(span.lengths, at: tokens[index].lowerBound, into: &rebuilt)
                index = span.end
            } else {
                rebuilt.append(tokens[index])
                index += 1
            }
        }
        tokens.replaceSubrange(start..., with: rebuilt)
    }

    /// The words of `text` as datatrove's `split_into_words(text, "en")` returns them.
    public func words(_ text: String) -> [String] { words(text, scalars: Array(text.unicodeScalars)) }

    /// `words(text)` when the caller already holds `text`'s scalars.
    func words(_ text: String, scalars: [Unicode.Scalar]) -> [String] {
        // Each word is copied out of the text's UTF-8 at its scalars' byte offsets.
        var offsets = [Int](repeating: 0, count: scalars.count + 1)
        for (index, scalar) in scalars.enumerated() { offsets[index + 1] = offsets[index] + UTF8.width(scalar) }
        var text = text
        return text.withUTF8 { bytes in
            wordRanges(scalars).map { word in
                String(decoding: UnsafeBufferPointer(rebasing: bytes[offsets[word.lowerBound]..<offsets[word.upperBound]]), as: UTF8.self)
            }
        }
    }

    /// Words as byte ranges of one UTF-8 buffer.
    public struct UTF8Words: Sendable {
        public var utf8: [UInt8]
        public var ranges: [Range<Int>]

        /// The words as strings (for tests and reports).
        public var strings: [String] { ranges.map { String(decoding: utf8[$0], as: UTF8.self) } }
    }

    /// The words of `scalars` as byte ranges of their UTF-8: the same words as ``words(_:)``, in the
    /// form MinHash shingles and decontamination n-grams need.
    ///
    /// Those callers split `simplify_text` output (``SimplifiedText/words(of:)``), where most of
    /// spaCy's rules can no longer fire (no upper case, no datatrove punctuation, digits folded to
    /// `0`). They still go through this one splitter: the rules that remain (symbols split off,
    /// units after a digit, `cannot` → `can` `not`) are spaCy's own, and a second rule set probed
    /// for simplified text only would be a second copy of the algorithm to keep in step with spaCy.
    /// What differs is the output alone: they hash the words' bytes joined by spaces, so one byte
    /// buffer with ranges spares a `String` per word.
    /// - Complexity: O(n) in the scalars, as ``words(_:)``.
    public func utf8Words(_ scalars: [Unicode.Scalar]) -> UTF8Words {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(scalars.count + scalars.count / 8)
        // offsets[i] = byte offset of scalar i; offsets[count] = total bytes.
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        for scalar in scalars {
            offsets.append(utf8.count)
            UTF8.encode(scalar) { utf8.append($0) }
        }
        offsets.append(utf8.count)
        return UTF8Words(utf8: utf8, ranges: wordRanges(scalars).map { offsets[$0.lowerBound]..<offsets[$0.upperBound] })
    }

    /// spaCy's tokens with whitespace stripped and empty ones dropped (datatrove's `strip_strings`),
    /// as scalar ranges.
    private func wordRanges(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        tokenRanges(scalars).compactMap { token in
            let stripped = PythonText.strip(scalars, token)
            return stripped.isEmpty ? nil : stripped
        }
    }

    /// Every token spaCy makes of `scalars` (whitespace tokens included), as scalar ranges.
    func tokenRanges(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var tokens: [Range<Int>] = []
        guard !scalars.isEmpty else { return tokens }
        var start = 0
        var inSpace = PythonText.isSpace(scalars[0])
        var index = 0
        while index < scalars.count {
            let space = PythonText.isSpace(scalars[index])
            if space != inSpace {
                if start < index { tokenize(scalars, start..<index, into: &tokens) }
                if scalars[index] == " " {
                    start = index + 1
                } else {
                    start = index
                }
                inSpace = space
            }
            index += 1
        }
        if start < index { tokenize(scalars, start..<index, into: &tokens) }
        return tokens
    }

    @inline(__always)
    private static func hash(_ scalars: ArraySlice<Unicode.Scalar>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for scalar in scalars {
            hash ^= UInt64(scalar.value)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    private func lookupSpecial(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> [Int]? {
        guard !range.isEmpty, range.count <= longestSpecialCase else { return nil }
        guard let candidates = specialCases[Self.hash(scalars[range])] else { return nil }
        return candidates.first { $0.key.elementsEqual(scalars[range]) }?.lengths
    }

    private func pushSpecial(_ lengths: [Int], at start: Int, into tokens: inout [Range<Int>]) {
        var position = start
        for length in lengths {
            tokens.append(position..<position + length)
            position += length
        }
    }

    private func tokenize(_ scalars: [Unicode.Scalar], _ chunk: Range<Int>, into tokens: inout [Range<Int>]) {
        if PythonText.isSpace(scalars[chunk.lowerBound]) {
            tokens.append(chunk)
            return
        }
        let start = tokens.count
        if chunk.allSatisfy({ isPlainLetter(scalars[$0]) }) {
            // Letters only (most words): no prefix, suffix, infix or URL rule can apply, so the
            // chunk is a special case or one token; the affix loop below would find just that.
            if let lengths = lookupSpecial(scalars, chunk) { pushSpecial(lengths, at: chunk.lowerBound, into: &tokens) } else { tokens.append(chunk) }
        } else {
            splitAffixes(scalars, chunk, specialCases: true, into: &tokens)
        }
        applySpecialPhrases(scalars, &tokens, from: start)
    }

    /// A letter of spaCy's alphabet that is in none of its punctuation, quote or icon lists: no
    /// affix or infix rule starts or ends at it.
    @inline(__always)
    private func isPlainLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return (scalar.value | 0x20) &- 0x61 < 26 }
        return alpha.contains(scalar) && !Self.punctClass.contains(scalar) && !Self.quotesClass.contains(scalar) && !icons.contains(scalar)
    }

    /// spaCy's `_tokenize_affixes` for one chunk; `specialCases: false` is how spaCy tokenizes a
    /// special case's own text to make the pattern of its second pass.
    private func splitAffixes(_ scalars: [Unicode.Scalar], _ chunk: Range<Int>, specialCases useSpecials: Bool,
                              into tokens: inout [Range<Int>]) {
        func special(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> [Int]? {
            useSpecials ? lookupSpecial(scalars, range) : nil
        }
        if let lengths = special(scalars, chunk) {
            pushSpecial(lengths, at: chunk.lowerBound, into: &tokens)
            return
        }
        var string = chunk
        var prefixes: [Range<Int>] = []
        var suffixes: [Range<Int>] = []
        var lastSize = -1
        while !string.isEmpty, string.count != lastSize {
            if special(scalars, string) != nil { break }
            lastSize = string.count
            let prefixLength = prefix(scalars, string)
            if prefixLength > 0 {
                let minusPrefix = string.lowerBound + prefixLength..<string.upperBound
                if !minusPrefix.isEmpty, special(scalars, minusPrefix) != nil {
                    prefixes.append(string.lowerBound..<minusPrefix.lowerBound)
                    string = minusPrefix
                    break
                }
            }
            let suffixLength = suffix(scalars, string.lowerBound + prefixLength..<string.upperBound)
            if suffixLength > 0 {
                let minusSuffix = string.lowerBound..<string.upperBound - suffixLength
                if !minusSuffix.isEmpty, special(scalars, minusSuffix) != nil {
                    suffixes.append(minusSuffix.upperBound..<string.upperBound)
                    string = minusSuffix
                    break
                }
            }
            if prefixLength > 0, suffixLength > 0, prefixLength + suffixLength <= string.count {
                prefixes.append(string.lowerBound..<string.lowerBound + prefixLength)
                suffixes.append(string.upperBound - suffixLength..<string.upperBound)
                string = string.lowerBound + prefixLength..<string.upperBound - suffixLength
            } else if prefixLength > 0 {
                prefixes.append(string.lowerBound..<string.lowerBound + prefixLength)
                string = string.lowerBound + prefixLength..<string.upperBound
            } else if suffixLength > 0 {
                suffixes.append(string.upperBound - suffixLength..<string.upperBound)
                string = string.lowerBound..<string.upperBound - suffixLength
            }
        }
        tokens += prefixes
        if !string.isEmpty {
            if let lengths = special(scalars, string) {
                pushSpecial(lengths, at: string.lowerBound, into: &tokens)
            } else if URLMatch.matches(scalars[string], alphaLower: alphaLower) {
                tokens.append(string)
            } else {
                splitInfixes(scalars, string, into: &tokens)
            }
        }
        tokens += suffixes.reversed()
    }

    // MARK: Prefixes

    /// Length of spaCy's prefix match at the start of `range` (0 for none): the first alternative
    /// of the English prefix list that matches, in the list's order.
    private func prefix(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> Int {
        let first = scalars[range.lowerBound]
        switch first {
        case "§", "%", "=", "—", "–": return 1
        case "+":
            let next = range.lowerBound + 1
            return next < range.upperBound && PythonText.isDigit(scalars[next]) ? 0 : 1
        default: break
        }
        if Self.punctClass.contains(first) { return 1 }
        if first == "." {
            var end = range.lowerBound
            while end < range.upperBound, scalars[end] == "." { end += 1 }
            if end - range.lowerBound >= 2 { return end - range.lowerBound }
        }
        if Self.quotesClass.contains(first) { return 1 }
        for currency in Self.currencies where range.count >= currency.count {
            if scalars[range.lowerBound..<range.lowerBound + currency.count].elementsEqual(currency) { return currency.count }
        }
        if icons.contains(first) { return 1 }
        return 0
    }

    // MARK: Suffixes

    /// Length of spaCy's suffix match on `range` (0 for none): the leftmost start from which some
    /// alternative of the suffix list matches through to the end.
    private func suffix(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> Int {
        guard !range.isEmpty else { return 0 }
        // Every alternative but a run of dots is at most 5 scalars long ("US$", units like "km³"),
        // so only the last 6 positions can start a match, besides the trailing run of dots.
        let window = max(range.lowerBound, range.upperBound - 6)
        var dots = range.upperBound
        while dots > range.lowerBound, scalars[dots - 1] == "." { dots -= 1 }
        if range.upperBound - dots >= 2, dots < window { return range.upperBound - dots }
        for start in window..<range.upperBound {
            if suffixMatches(scalars, start: start, range: range) { return range.upperBound - start }
        }
        return 0
    }

    private func suffixMatches(_ scalars: [Unicode.Scalar], start: Int, range: Range<Int>) -> Bool {
        let length = range.upperBound - start
        let first = scalars[start]
        let before: Unicode.Scalar? = start > range.lowerBound ? scalars[start - 1] : nil
        if length == 1 {
            if Self.punctClass.contains(first) || Self.quotesClass.contains(first) || icons.contains(first) { return true }
            if first == "—" || first == "–" { return true }
            if first == "+", let before, PythonText.isDigit(before) { return true }
            if first == ".", let before {
                if suffixDotBefore.contains(before) { return true }
                if start - 1 > range.lowerBound, alphaUpper.contains(scalars[start - 2]), alphaUpper.contains(before) { return true }
                if before == "F" || before == "f" || before == "C" || before == "c" || before == "K" || before == "k",
                   start - 1 > range.lowerBound, scalars[start - 2] == "°" { return true }
            }
        }
        if length == 2, first == "…", scalars[start + 1] == "…" { return true }
        if length >= 2, first == ".", scalars[start..<range.upperBound].allSatisfy({ $0 == "." }) { return true }
        if length == 2, Self.suffixWords.contains(where: { $0.elementsEqual(scalars[start..<range.upperBound]) }) { return true }
        if let before, PythonText.isDigit(before) {
            let tail = scalars[start..<range.upperBound]
            if Self.currencies.contains(where: { $0.elementsEqual(tail) }) { return true }
            if length <= 5 {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: tail)
                if Self.units.contains(String(view)) { return true }
            }
        }
        return false
    }

    // MARK: Infixes

    /// Splits `range` at spaCy's English infixes, scanning left to right for non-overlapping
    /// matches (the first alternative that matches at a position wins); a match at position 0 is skipped.
    private func splitInfixes(_ scalars: [Unicode.Scalar], _ range: Range<Int>, into tokens: inout [Range<Int>]) {
        var start = range.lowerBound
        var position = range.lowerBound
        while position < range.upperBound {
            let end = infixMatch(scalars, at: position, range: range)
            guard end > position else {
                position += 1
                continue
            }
            if position != range.lowerBound {
                if position != start { tokens.append(start..<position) }
                tokens.append(position..<end)
                start = end
            }
            position = end
        }
        if start < range.upperBound { tokens.append(start..<range.upperBound) }
    }

    /// The end of the infix match at `position`, or `position` when none matches.
    private func infixMatch(_ scalars: [Unicode.Scalar], at position: Int, range: Range<Int>) -> Int {
        let scalar = scalars[position]
        let before: Unicode.Scalar? = position > range.lowerBound ? scalars[position - 1] : nil
        let after: Unicode.Scalar? = position + 1 < range.upperBound ? scalars[position + 1] : nil
        if scalar == "." {
            var end = position
            while end < range.upperBound, scalars[end] == "." { end += 1 }
            if end - position >= 2 { return end }
        }
        if scalar == "…" { return position + 1 }
        if icons.contains(scalar) { return position + 1 }
        if let before, PythonText.isDigit(before), scalar == "+" || scalar == "-" || scalar == "*" || scalar == "^",
           let after, PythonText.isDigit(after) || after == "-" { return position + 1 }
        if scalar == ".", let before, infixDotBefore.contains(before), let after, infixDotAfter.contains(after) { return position + 1 }
        if scalar == ",", let before, alpha.contains(before), let after, alpha.contains(after) { return position + 1 }
        if let before, alpha.contains(before) || PythonText.isDigit(before) {
            for pattern in Self.hyphens where pattern[0] == scalar {
                let end = position + pattern.count
                if end < range.upperBound, scalars[position..<end].elementsEqual(pattern), alpha.contains(scalars[end]) { return end }
            }
        }
        if scalar == ":" || scalar == "<" || scalar == ">" || scalar == "=" || scalar == "/", let before, alpha.contains(before) || PythonText.isDigit(before),
           let after, alpha.contains(after) { return position + 1 }
        return position
    }

    // MARK: Sentences

    /// How many sentences spaCy's `sentencizer` finds in `text` (datatrove's `split_into_sentences`
    /// count): a sentence ends at a token in its punctuation list, and the next starts at the first
    /// following token that is neither punctuation (category P*) nor in that list.
    public func sentenceCount(_ text: String) -> Int {
        let scalars = Array(text.unicodeScalars)
        let tokens = tokenRanges(scalars)
        guard !tokens.isEmpty else { return 0 }
        var count = 1
        var seenPeriod = false
        for token in tokens {
            let isEnd = token.count == 1 && sentenceEnd.contains(scalars[token.lowerBound])
            let isPunct = scalars[token].allSatisfy(PythonText.isPunctuation)
            if seenPeriod, !isPunct, !isEnd {
                count += 1
                seenPeriod = false
            } else if isEnd {
                seenPeriod = true
            }
        }
        return count
    }
}
