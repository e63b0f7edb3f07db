import Testing
import Tokkit

/// Where ICU's regex dialect differs from tiktoken's (fancy-regex over Rust `regex`), and how the
/// translation makes them agree. Each expectation about tiktoken was checked against tiktoken 0.14.0.
@Suite("ICU reads tiktoken's patterns the way tiktoken does")
struct ICUSemanticsTests {
    @Test("ICU's own `$` also matches before a final newline, tiktoken's does not; the translation fixes it")
    func dollar() throws {
        // Raw ICU: `a$` finds the `a` in "a\n". tiktoken finds nothing.
        let raw = try RegexPreTokenizer(pattern: "a$", translating: false)
        #expect(try raw.pieces(of: "a\n") == ["a"])
        let translated = try RegexPreTokenizer(pattern: "a$")
        #expect(translated.icuPattern == #"a\z"#)
        #expect(try translated.pieces(of: "a\n") == [])
        #expect(try translated.pieces(of: "xa") == ["a"])
    }

    @Test("`$` inside a character class and escaped `\\$` stay literal")
    func literalDollar() throws {
        #expect(ICUPatternTranslation.translate(#"[$]\$x$"#) == #"[$]\$x\z"#)
        #expect(try RegexPreTokenizer(pattern: #"[$]+"#).pieces(of: "a$$b") == ["$$"])
    }

    @Test("`.` excludes only \\n, as in Rust, not every line terminator as in ICU")
    func dot() throws {
        let dot = try RegexPreTokenizer(pattern: ".+")
        #expect(try RegexPreTokenizer(pattern: ".+", translating: false).pieces(of: "a\rb") == ["a", "b"])
        #expect(try dot.pieces(of: "a\rb\u{2028}c\nd") == ["a\rb\u{2028}c", "d"])
    }

    @Test("`\\s` is Unicode White_Space in ICU, as in tiktoken", arguments: [
        ("\u{0B}", true), ("\u{85}", true), ("\u{A0}", true), ("\u{3000}", true), ("\u{2028}", true),
        ("\u{1680}", true), ("\u{200B}", false), ("\u{FEFF}", false), ("\u{1C}", false), ("\u{180E}", false),
    ])
    func whiteSpace(character: String, isSpace: Bool) throws {
        let space = try RegexPreTokenizer(pattern: #"\s"#)
        #expect(try space.pieces(of: character).count == (isSpace ? 1 : 0))
    }

    @Test("`(?i:s)` also matches U+017F LATIN SMALL LETTER LONG S, as in tiktoken")
    func longS() throws {
        let cl100k = try RegexPreTokenizer(.cl100k)
        #expect(try cl100k.pieces(of: "it'ſ") == ["it", "'ſ"])
        #expect(try cl100k.pieces(of: "IT'S") == ["IT", "'S"])
        let gpt2 = try RegexPreTokenizer(.gpt2)
        #expect(try gpt2.pieces(of: "IT'S") == ["IT", "'", "S"])
    }

    @Test("cl100k keeps trailing whitespace with a newline at the very end as one piece (tiktoken ≥ 0.8)")
    func cl100kEndOfText() throws {
        let cl100k = try RegexPreTokenizer(.cl100k)
        #expect(try cl100k.pieces(of: "x\n  ") == ["x", "\n  "])
        #expect(try cl100k.pieces(of: "x\n  y") == ["x", "\n", " ", " y"])
        let o200k = try RegexPreTokenizer(.o200k)
        #expect(try o200k.pieces(of: "x\n  ") == ["x", "\n", "  "])
    }

    @Test("an invalid pattern is a typed error carrying ICU's reason and position")
    func invalidPattern() {
        #expect {
            _ = try RegexPreTokenizer(pattern: "ab(c")
        } throws: { error in
            guard case .invalidPattern(let pattern, let reason, _, let column) = error as? PreTokenizerError else { return false }
            return pattern == "ab(c" && reason == "U_REGEX_MISMATCHED_PAREN" && column >= 0
        }
        #expect(throws: PreTokenizerError.self) { _ = try RegexPreTokenizer(pattern: #"\p{NoSuchProperty}"#) }
    }

    @Test("pieces are byte ranges into the original UTF-8, across planes")
    func byteRanges() throws {
        let gpt2 = try RegexPreTokenizer(.gpt2)
        let text = Array("a 😀𝔸b 日本".utf8)
        let ranges = try gpt2.pieces(of: text)
        #expect(ranges.map { String(decoding: text[$0], as: UTF8.self) } == ["a", " 😀", "𝔸b", " 日本"])
        #expect(ranges.last?.upperBound == text.count)
    }
}
