import Testing
import Tokkit

@Suite("Special tokens of a vocabulary: non-empty, distinct, and off the mergeable ranks but for gaps")
struct SpecialTokenRulesTests {
    static let bytes = (0..<256).map { [UInt8($0)] }

    static func special(_ text: String, _ id: TokenID) -> SpecialToken { SpecialToken(text, id: id) }

    @Test("the first special token in the list that breaks a rule is named, whichever rule it breaks")
    func firstOffender() {
        let cases: [([SpecialToken], VocabularyError)] = [
            ([Self.special("<a>", 300), Self.special("<b>", 300)], .duplicateSpecialID(id: 300)),
            ([Self.special("<a>", 300), Self.special("<a>", 301)], .duplicateSpecialText(text: "<a>")),
            ([Self.special("<a>", 300), Self.special("", 301)], .emptyToken(rank: 301)),
            ([Self.special("<a>", 300), Self.special("<b>", 7)], .specialIDCollides(text: "<b>", id: 7)),
            // Index 2 repeats a text before index 3 repeats an id: the repeat, not the first holder, is named.
            ([Self.special("a", 300), Self.special("b", 301), Self.special("b", 302), Self.special("d", 300)],
             .duplicateSpecialText(text: "b")),
            ([Self.special("a", 300), Self.special("b", 301), Self.special("c", 300), Self.special("b", 302)],
             .duplicateSpecialID(id: 300)),
            ([Self.special("z", 305), Self.special("y", 304), Self.special("x", 303), Self.special("y", 302)],
             .duplicateSpecialText(text: "y")),
        ]
        for (specials, expected) in cases {
            #expect(throws: expected) { _ = try Vocabulary(tokens: Self.bytes, specialTokens: specials) }
        }
    }

    @Test("many distinct special tokens are accepted, a gap may hold one, and one repeat among thousands is found")
    func many() throws {
        var specials = (0..<3000).map { Self.special("<|reserved_\($0)|>", TokenID(1000 + $0)) }
        let vocabulary = try Vocabulary(tokens: Self.bytes, specialTokens: specials)
        #expect(vocabulary.specialTokens.count == 3000)
        var withGap: [[UInt8]?] = Self.bytes
        withGap.append(nil)
        withGap.append(Array("ab".utf8))
        #expect(try Vocabulary(tokensOrGaps: withGap, specialTokens: [Self.special("<gap>", 256)]).gaps == [256])
        specials.append(Self.special("<|reserved_1234|>", 9999))
        #expect(throws: VocabularyError.duplicateSpecialText(text: "<|reserved_1234|>")) {
            _ = try Vocabulary(tokens: Self.bytes, specialTokens: specials)
        }
    }
}
