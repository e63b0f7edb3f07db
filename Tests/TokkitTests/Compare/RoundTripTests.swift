import Foundation
import Testing
import Tokkit

/// The round-trip harness: it passes real tokenizers, and it finds and shrinks planted bugs.
@Suite("Round-trip harness")
struct RoundTripTests {
    static func fixtures() throws -> [ComparedFile] {
        try ComparedFile.collect([Repository.path("fixtures")])
    }

    @Test("gpt2, cl100k and gpt2 ranks with the o200k pattern round-trip every fixture and random text",
          arguments: [("gpt2", nil), ("cl100k_base", nil), ("gpt2", SplitPattern.o200k)] as [(String, SplitPattern?)])
    func passes(name: String, pattern: SplitPattern?) throws {
        let tokenizer = ComparedTokenizer(label: name, codec: try Loaded.tokenizer(name, pattern: pattern))
        let files = try Self.fixtures()
        let report = RoundTripHarness(randomCount: 200, seed: 1).run(tokenizer, files: files)
        #expect(report.passed, "\(report.failures.map(\.description).joined(separator: "\n"))")
        #expect(report.inputsChecked == files.count + 200)
        #expect(report.idsChecked > tokenizer.codec.vocabulary.mergeableCount)
        let lossy = RoundTripHarness(randomCount: 200, seed: 2, lossy: true).run(tokenizer, files: [])
        #expect(lossy.passed, "\(lossy.failures.map(\.description).joined(separator: "\n"))")
    }

    @Test("a decoder that drops the last byte of \" the\" is caught on a fixture and shrunk to \" the\"")
    func plantedDecoderBug() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        let victim = try #require(gpt2.vocabulary.rank(of: Array(" the".utf8)))
        let broken = ComparedTokenizer(label: "broken", codec: DroppingDecoder(base: gpt2, victim: victim))
        let prose = try ComparedFile.collect([Repository.path("fixtures/english-prose.txt")])
        let report = RoundTripHarness(randomCount: 0).run(broken, files: prose)
        #expect(!report.passed)
        let failure = try #require(report.failures.first)
        #expect(failure.problem == .mismatch)
        #expect(failure.input == Array(" the".utf8))
        #expect(failure.ids == [victim])
        #expect(failure.decoded == Array(" th".utf8))
        #expect(failure.originalByteCount == prose[0].bytes.count)
        #expect(failure.description.contains("english-prose.txt"))
        #expect(failure.description.contains("[\(victim)]"))
        #expect(failure.description.contains("\"·the\" (4 bytes: 20 74 68 65)"))
    }

    @Test("the planted bug is also found in random text, which is shrunk to the token alone")
    func plantedBugInRandomText() throws {
        let gpt2 = try Loaded.tokenizer("gpt2")
        // "e" is in nearly every random string: ASCII letters are the most common pool.
        let victim = try #require(gpt2.vocabulary.rank(of: Array("e".utf8)))
        let report = RoundTripHarness(randomCount: 50, seed: 3).run(
            ComparedTokenizer(label: "broken", codec: DroppingDecoder(base: gpt2, victim: victim)), files: [])
        let failure = try #require(report.failures.first)
        #expect(failure.problem == .mismatch)
        #expect(failure.input == Array("e".utf8))
        #expect(failure.source.contains("seed 3"))
    }

    @Test("an encoder that gives other ids the second time is reported as unstable, shrunk to a short input")
    func plantedEncoderBug() throws {
        let report = RoundTripHarness(randomCount: 0).run(
            ComparedTokenizer(label: "forgetful", codec: ForgetfulEncoder(base: try Loaded.tokenizer("gpt2"))),
            files: [ComparedFile(name: "hello", bytes: Array("hello world".utf8))])
        let failure = try #require(report.failures.first)
        #expect(failure.problem == .unstable)
        #expect(String(decoding: failure.input, as: UTF8.self).unicodeScalars.count <= 2)
        #expect(failure.reencoded != failure.ids)
    }

    @Test("an id that does not decode, and an unknown id that does, are both reported")
    func idChecks() throws {
        let vocabulary = try Vocabulary(tokens: (0..<256).map { [UInt8($0)] })
        let tokenizer = try Tokenizer(vocabulary: vocabulary, pattern: .gpt2)
        let report = RoundTripHarness(randomCount: 0).run(
            ComparedTokenizer(label: "sloppy", codec: SloppyIDs(base: tokenizer)), files: [])
        #expect(report.failures.map(\.problem).contains(.idDoesNotDecode(reason: "it decodes to no bytes")))
        #expect(report.failures.contains { $0.problem == .unknownIDAccepted && $0.ids == [256] })
    }

    @Test("shrinking finds a 1-minimal failing sub-sequence")
    func shrinker() {
        #expect(Shrinker.minimize(Array("xxaxxbxx")) { $0.contains("a") && $0.contains("b") } == ["a", "b"])
        let three = Shrinker.minimize(Array(0..<1000)) { $0.filter { $0 % 100 == 7 }.count >= 3 }
        #expect(three.count == 3 && three.allSatisfy { $0 % 100 == 7 })
        #expect(Shrinker.minimize([1, 2, 3]) { _ in true } == [])
    }

    @Test("random text is reproducible from seed and index, and covers every plane and general category")
    func randomText() {
        var first = SplitMix64(seed: 9, index: 4)
        var again = SplitMix64(seed: 9, index: 4)
        #expect(RandomText.scalars(maxLength: 64, using: &first) == RandomText.scalars(maxLength: 64, using: &again))
        var planes = Set<UInt32>()
        var categories = Set<String>()
        for index in 0..<600 {
            var generator = SplitMix64(seed: 0, index: index)
            for scalar in RandomText.scalars(maxLength: 64, using: &generator) {
                planes.insert(scalar.value >> 16)
                categories.insert("\(scalar.properties.generalCategory)")
            }
        }
        #expect(planes == Set(0...16))
        // Every general category but surrogate, which no scalar can be (lossy bytes carry encoded surrogates).
        #expect(categories.count == 29, "\(categories.sorted())")
        var lossy = SplitMix64(seed: 0)
        let invalid = (0..<50).filter { _ in UTF8Validation.firstInvalidOffset(RandomText.bytes(maxLength: 32, using: &lossy)) != nil }
        #expect(invalid.count > 25)
    }
}

/// An encoder whose (planted) piece cache forgets merges: the second encode of the same text falls
/// back to one token per byte.
///
/// `@unchecked Sendable`: `seen` is only touched while holding `lock`.
final class ForgetfulEncoder: TokenCodec, @unchecked Sendable {
    let base: Tokenizer
    private let lock = NSLock()
    private var seen = Set<[UInt8]>()

    init(base: Tokenizer) { self.base = base }

    var vocabulary: Vocabulary { base.vocabulary }

    func encodeOrdinary(bytes: [UInt8], lossy: Bool) throws -> [TokenID] {
        lock.lock()
        let again = !seen.insert(bytes).inserted
        lock.unlock()
        guard again else { return try base.encodeOrdinary(bytes: bytes, lossy: lossy) }
        return bytes.compactMap { base.vocabulary.rank(of: [$0]) }
    }

    func decodeBytes(_ ids: [TokenID]) throws -> [UInt8] { try base.decodeBytes(ids) }
}

/// A decoder that returns nothing for id 5 and for ids it does not know, instead of refusing them.
struct SloppyIDs: TokenCodec {
    let base: Tokenizer

    var vocabulary: Vocabulary { base.vocabulary }

    func encodeOrdinary(bytes: [UInt8], lossy: Bool) throws -> [TokenID] { try base.encodeOrdinary(bytes: bytes, lossy: lossy) }

    func decodeBytes(_ ids: [TokenID]) throws -> [UInt8] {
        ids.flatMap { id in id == 5 ? [] : (base.vocabulary.bytes(of: id) ?? []) }
    }
}
