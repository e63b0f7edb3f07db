import Testing
@testable import TokkitPrep

@Suite("Exact de-duplication keeps the first document of each normalized text")
struct ExactDedupTests {
    static let texts = ["Hello  world", "hello world", "Hello world ", "Café", "Cafe\u{301}", "Hello  world", "CAFÉ!"]

    func firstOf(_ normalization: ExactDeduplicator.Normalization) -> [Int?] {
        var dedup = ExactDeduplicator(normalization: normalization)
        return ExactDeduplicator.keys(Self.texts, normalization: normalization).enumerated().map { dedup.insert($0.element, index: $0.offset) }
    }

    @Test("raw bytes: only the byte-identical repeat is a duplicate")
    func raw() { #expect(firstOf(.none) == [nil, nil, nil, nil, nil, 0, nil]) }

    @Test("whitespace folding joins spacing variants")
    func whitespace() { #expect(firstOf(.whitespace) == [nil, nil, 0, nil, nil, 0, nil]) }

    @Test("NFC joins canonically equivalent spellings")
    func nfc() { #expect(firstOf(.nfc) == [nil, nil, 0, nil, 3, 0, nil]) }

    @Test("simplify_text joins case, punctuation and accents")
    func simplified() { #expect(firstOf(.simplified) == [nil, 0, 0, nil, 3, 0, 3]) }

    @Test("B minus A reports the matched id on both sides and can dedup B against itself")
    func bMinusA() {
        let a = ["one", "two", "three"], b = ["two", "four", "four", "one"]
        var index = ExactDeduplicator()
        for (i, text) in a.enumerated() { _ = index.insert(index.key(text), index: i) }
        let matches = b.enumerated().map { index.lookup(index.key($0.element), index: a.count + $0.offset, insertingMisses: true) }
        // "two" → A#1, "four" new, second "four" → B#1 (numbered after A), "one" → A#0.
        #expect(matches == [1, nil, a.count + 1, 0])
    }
}
