import Foundation
import Testing
import Tokkit
import TokkitTestSupport
import TokkitCorpus
import TokkitPrep

/// The datatrove test fixtures (`tests/pipeline/filters/test_filters.py`, reference §4) and spaCy's
/// own tokenizations, as executable documentation of each filter.
@Suite("Prep filters: datatrove's fixtures and spaCy's word splits")
struct PrepFilterTests {
    static func gopherQuality(_ text: String, _ version: RuleVersion = .current, minWords: Int = 10, maxWords: Int = 1000) -> String? {
        var filter = GopherQualityFilter(version: version)
        filter.minDocWords = minWords
        filter.maxDocWords = maxWords
        var measured: Measurements = []
        return filter.evaluate(TextView(text), &measured)
    }

    static func repetition(_ text: String, _ version: RuleVersion = .current) -> String? {
        var measured: Measurements = []
        return GopherRepetitionFilter(version: version).evaluate(TextView(text), &measured)
    }

    static func fineweb(_ text: String, _ version: RuleVersion = .current, configure: (inout FineWebQualityFilter) -> Void = { _ in }) -> String? {
        var filter = FineWebQualityFilter(version: version)
        configure(&filter)
        var measured: Measurements = []
        return filter.evaluate(TextView(text), &measured)
    }

    /// datatrove's `TEXT_LF_1` (the Lord of the Rings quote of its filter tests).
    static let tolkien = "I wish it need not have happened in my time,' said Frodo. 'So do I,' said Gandalf, 'and so do all who live to "
        + "see such times. But that is not for them to decide. All we have to decide is what to do with the time that is "
        + "given us.'"

    @Test("spaCy blank(\"en\") splits: contractions, abbreviations, URLs, e-mails, currency, ellipses, infixes")
    func spacySplits() {
        let words = SpacyEnglishWordSplitter.shared.words(
            "Hello, world! Don't do it... U.S. e-mail: a@b.com (see http://x.com/a?b=c). 3.14 $5 it's ")
        #expect(words == ["Hello", ",", "world", "!", "Do", "n't", "do", "it", "...", "U.S.", "e", "-", "mail", ":", "a@b.com", "(",
                          "see", "http://x.com/a?b=c", ")", ".", "3.14", "$", "5", "it", "'s"])
        #expect(SpacyEnglishWordSplitter.shared.sentenceCount("One sentence. Two sentences! Three?") == 3)
    }

    @Test("Gopher quality: datatrove's fixtures give datatrove's reasons", arguments: [
        ("I am too small...", "gopher_short_doc"),
        (String(repeating: "I am ", count: 20), "gopher_below_avg_threshold"),
        (String(repeating: "interconnection ", count: 20), "gopher_above_avg_threshold"),
        (String(repeating: "# comment ", count: 20), "gopher_too_many_hashes"),
        (String(repeating: "... comment ", count: 20), "gopher_too_many_ellipsis"),
        (String(repeating: "the ./!*?<><> apple <?////> orange  ++ interconnection !<>??? have", count: 20), "gopher_below_alpha_threshold"),
    ])
    func gopherQualityFixtures(_ text: String, _ reason: String) {
        #expect(Self.gopherQuality(text) == reason)
    }

    @Test("Gopher quality keeps the Tolkien quote")
    func gopherQualityKeeps() {
        #expect(Self.gopherQuality(Self.tolkien) == nil)
    }

    @Test("Gopher repetition: datatrove's fixtures give datatrove's reasons", arguments: [
        (String(repeating: "I am your father.\n", count: 4), "dup_line_frac"),
        (String(repeating: "I am your father.\n\n", count: 4), "dup_para_frac"),
        ("I am groot.\n\nYou are a wizard.\n\nI am your father.\n\n" + String(repeating: String(repeating: "x", count: 30) + ".\n\n", count: 2), "dup_para_char_frac"),
        ("I am groot.\nYou are a wizard.\nI am your father.\n" + String(repeating: String(repeating: "x", count: 40) + ".\n", count: 2), "dup_line_char_frac"),
        ("I am Frank, I am Frank, I am Frank", "top_2_gram"),
        ("I am Frank, you are Jhon. I am Frank. I am Frank you are Jhon", "top_3_gram"),
        (String(repeating: "I am a solo traveller ", count: 4) + tolkien, "duplicated_5_n_grams"),
    ])
    func gopherRepetitionFixtures(_ text: String, _ reason: String) {
        #expect(Self.repetition(text) == reason)
    }

    @Test("C4 quality: lorem ipsum, curly brackets and too few sentences drop; the cookie line is removed from the text")
    func c4Fixtures() {
        var measured: Measurements = []
        var rewritten = ""
        let filter = C4QualityFilter()
        #expect(filter.evaluate(TextView("Just one sentence."), &measured, rewritten: &rewritten) == "too_few_sentences")
        #expect(filter.evaluate(TextView("Lorem ipsum dolor sit amet, consectetur adipiscing elit."), &measured, rewritten: &rewritten) == "lorem_ipsum")
        #expect(filter.evaluate(TextView("This is code: if (x) { y(); } and more."), &measured, rewritten: &rewritten) == "curly_bracket")
        var relaxed = C4QualityFilter()
        relaxed.minNumSentences = -1
        relaxed.minWordsPerLine = -1
        let text = "This is a line of text.\nThis site uses cookies to track you.\nAnother line of text here."
        #expect(relaxed.evaluate(TextView(text), &measured, rewritten: &rewritten) == nil)
        #expect(rewritten == "This is a line of text.\nAnother line of text here.")
    }

    @Test("C4 paragraph: three lines of 250 characters pass, three short lines do not")
    func c4Paragraph() {
        var measured: Measurements = []
        #expect(C4ParagraphFilter().evaluate(TextView(String(repeating: String(repeating: "x", count: 250) + "\n", count: 3)), &measured) == nil)
        #expect(C4ParagraphFilter().evaluate(TextView("short\nshort\nshort"), &measured) == "< 3 paragraphs")
    }

    @Test("FineWeb quality: datatrove's fixtures give datatrove's reasons")
    func finewebFixtures() {
        #expect(Self.fineweb("  \n ") == "empty")
        #expect(Self.fineweb("no punctuation here\nnone here either\nor here") { $0.linePunctThreshold = 0.5 } == "line_punct_ratio")
        #expect(Self.fineweb("hi.\nbye.\nok.\nno.\nyes.") { $0.shortLineThreshold = 0.5; $0.linePunctThreshold = 0 } == "short_line_ratio")
        #expect(Self.fineweb(String(repeating: "a\n", count: 50)) { $0.newLineRatio = 0.1; $0.linePunctThreshold = 0; $0.shortLineThreshold = 1; $0.charDuplicatesRatio = 1 } == "list_ratio")
    }

    @Test("PII: e-mails and public IPv4 addresses are replaced round-robin; private, invalid and zero-padded IPs stay")
    func pii() throws {
        let formatter = try PIIFormatter(version: .current)
        var counts = (emails: 0, ips: 0)
        let text = "mail a@b.com or c@d.org; hosts 8.8.8.8 10.0.0.1 192.168.1.1 108.0.0.01 127.0.0.1 1.1.1.1 100.64.0.1"
        #expect(try formatter.format(text, counts: &counts)
                == "mail email@example.com or firstname.lastname@example.org; hosts 22.214.171.124 10.0.0.1 192.168.1.1 108.0.0.01 127.0.0.1 126.96.36.199 100.64.0.1")
        #expect(counts.emails == 2 && counts.ips == 2)
    }
}

/// One test per behavioural difference between FineWeb's datatrove (v0.2.0) and today's
/// (reference §4.6), each on a hand-made document where the two versions decide differently.
@Suite("Prep rule versions: v0.2.0 (FineWeb) against today's datatrove")
struct RuleVersionTests {
    @Test("Gopher stop words: v0.2.0 counts occurrences, today's distinct words")
    func stopWordCount() {
        let text = (0..<20).map { "the bright morning \($0 % 2 == 0 ? "runner" : "walker") carries lanterns" }.joined(separator: " ")
        #expect(PrepFilterTests.gopherQuality(text, .v0_2_0) == nil)
        #expect(PrepFilterTests.gopherQuality(text, .current) == "gopher_enough_stop_words")
    }

    @Test("Gopher punctuation set: today's adds TERMINAL_PUNCTUATION, so a lone '।' is no longer a word")
    func punctuationSet() {
        let words = (0..<49).map { ["the", "and", "river", "flows", "with", "bright", "water", "to"][$0 % 8] }.joined(separator: " ")
        let text = words + " ।"
        #expect(PrepFilterTests.gopherQuality(text, .v0_2_0, minWords: 50) != "gopher_short_doc")
        #expect(PrepFilterTests.gopherQuality(text, .current, minWords: 50) == "gopher_short_doc")
    }

    @Test("Gopher repetition lines: v0.2.0 splits on every line break (splitlines), today's on \\n only")
    func repetitionLineSplit() {
        let text = Array(repeating: "the same old line of words", count: 6).joined(separator: "\r") + "\nand a different ending line"
        #expect(PrepFilterTests.repetition(text, .v0_2_0) == "dup_line_frac")
        #expect(PrepFilterTests.repetition(text, .current) != "dup_line_frac")
    }

    @Test("FineWeb lines: v0.2.0 counts empty lines as short lines, today's ignores them")
    func finewebEmptyLines() {
        let text = (0..<10).map { "Line number \($0) is a long sentence with many words that ends in a period as it should." }
            .joined(separator: "\n\n\n\n")
        #expect(PrepFilterTests.fineweb(text, .v0_2_0) == "short_line_ratio")
        #expect(PrepFilterTests.fineweb(text, .current) == nil)
    }

    @Test("FineWeb stop characters: v0.2.0 accepts a closing quote, today's TERMINAL_PUNCTUATION does not")
    func finewebStopCharacters() {
        let text = (0..<10).map { "He said that the number \($0) was the answer to everything in the world \"" }.joined(separator: "\n")
        #expect(PrepFilterTests.fineweb(text, .v0_2_0) == nil)
        #expect(PrepFilterTests.fineweb(text, .current) == "line_punct_ratio")
    }

    @Test("FineWeb comparisons: v0.2.0 drops at exactly the threshold (<=), today's only below it (<)")
    func finewebInclusive() {
        let lines = (0..<25).map { "Line \($0) has quite a few words in it so that it is not short" + ($0 < 3 ? "." : "") }
        let text = lines.joined(separator: "\n")  // 3 of 25 lines end in a period: exactly 0.12
        #expect(PrepFilterTests.fineweb(text, .v0_2_0) == "line_punct_ratio")
        #expect(PrepFilterTests.fineweb(text, .current) == nil)
    }

    @Test("Language: FineWeb's filter kept only English; today's default keeps any language above 0.65")
    func languageDefault() throws {
        let metadata = JSONObject([("language", .string("de")), ("language_score", .number("0.9"))])
        var measured: Measurements = []
        var fineweb = LanguageScoreFilter()
        fineweb.languages = ["en"]
        var current = LanguageScoreFilter()
        current.languages = nil
        #expect(fineweb.evaluate(metadata, &measured).reason == "language_score")
        #expect(current.evaluate(metadata, &measured).reason == nil)
        #expect(current.evaluate(JSONObject(), &measured).missing, "no score: passes, counted")
    }

    @Test("PII e-mail regex: v0.2.0 matched lowercase only, so an address with capitals survived")
    func emailCase() throws {
        var counts = (emails: 0, ips: 0)
        let text = "write to John.Doe@Example.COM today"
        #expect(try PIIFormatter(version: .v0_2_0).format(text, counts: &counts) == text)
        #expect(try PIIFormatter(version: .current).format(text, counts: &counts) == "write to email@example.com today")
    }

    @Test("simplify_text: v0.2.0 deletes punctuation and folds \\d+; today's turns punctuation into spaces and folds decimals")
    func simplifyText() {
        let input = "Héllo, WORLD!  It's 3.14 o'clock…\nVisit café-bar #1 (since 1999)."
        #expect(SimplifiedText.string(input, version: .current) == "hello world it s 0 o clock visit cafe bar 0 since 0")
        #expect(SimplifiedText.string(input, version: .v0_2_0) == "hello world its 0 oclock visit cafebar 0 since 0")
        // Python's lower() in both versions: a capital sigma ending a word becomes final sigma (Swift's lowercased() would give σ).
        #expect(SimplifiedText.string("ΟΔΟΣ ΣΑΣ", version: .v0_2_0) == "\u{3BF}\u{3B4}\u{3BF}\u{3C2} \u{3C3}\u{3B1}\u{3C2}")
        #expect(SimplifiedText.string("ΟΔΟΣ ΣΑΣ") == "\u{3BF}\u{3B4}\u{3BF}\u{3C2} \u{3C3}\u{3B1}\u{3C2}")
    }
}
