import Foundation
import Testing
import Tokkit
import TokkitVerification

/// Seeded fuzzing: random bytes and random Unicode thrown at the loaders, the encoder and the decoder.
/// Nothing may crash; every failure must be a typed error; valid text must round-trip exactly.
@Suite("Fuzz: no crash, typed errors, exact round trips")
struct FuzzTests {
    static let seeds: [UInt64] = [1, 7, 42, 1234, 99991]

    /// A random string from every plane and category, the awkward characters over-represented: the
    /// package's one generator, whose pools come from ICU.
    static func randomText(_ random: inout SplitMix64, length: Int) -> String {
        String(decoding: AdversarialText.shared.string(maxLength: length, using: &random), as: UTF8.self)
    }

    @Test("random Unicode round-trips through encode and decode", arguments: seeds)
    func unicodeRoundTrip(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for name in ["gpt2", "cl100k_base"] {
            let tokenizer = try Loaded.tokenizer(name)
            let o200k = try Loaded.tokenizer(name, pattern: .o200k)
            for _ in 0..<60 {
                let text = Self.randomText(&random, length: Int.random(in: 0...300, using: &random))
                for candidate in [tokenizer, o200k] {
                    let ids = try candidate.encodeOrdinary(text)
                    #expect(try candidate.decode(ids) == text)
                }
            }
        }
    }

    @Test("random bytes: a typed error or ids that decode to the (repaired) input", arguments: seeds)
    func randomBytes(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            do {
                let ids = try tokenizer.encode(bytes: bytes, disallowedSpecial: .none)
                #expect(try tokenizer.decodeBytes(ids) == bytes)
            } catch let error as EncodingError {
                guard case .invalidUTF8(let offset) = error else { Issue.record("unexpected \(error)"); continue }
                #expect(offset == UTF8Validation.firstInvalidOffset(bytes))
            }
            let lossy = try tokenizer.encode(bytes: bytes, disallowedSpecial: .none, lossy: true)
            #expect(try tokenizer.decodeBytes(lossy) == UTF8Validation.repaired(bytes))
        }
    }

    /// The first offset where no well-formed sequence starts, found scalar by scalar by Swift's decoder.
    static func referenceInvalidOffset(_ bytes: [UInt8]) -> Int? {
        var i = 0
        next: while i < bytes.count {
            for length in 1...4 where i + length <= bytes.count {
                if let scalar = String(validating: bytes[i..<i + length], as: UTF8.self), scalar.unicodeScalars.count == 1 {
                    i += length
                    continue next
                }
            }
            return i
        }
        return nil
    }

    @Test("UTF-8 check (eight bytes at a time, the last eight at once) ≡ Swift's decoder: ASCII with one odd byte at every offset, any length")
    func utf8CheckAgainstDecoder() {
        var random = SplitMix64(seed: 0x0DDB)
        var checked = 0, mismatches = 0
        let odd: [[UInt8]] = [[0x80], [0xC3, 0xA9], [0xC3], [0xE2, 0x82, 0xAC], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98, 0x80], [0xFF], [0xC0, 0xAF]]
        for length in 0..<40 {
            let ascii = (0..<length).map { _ in UInt8(0x20 + random.next() % 95) }
            var cases = [ascii]
            for position in 0...length { for bytes in odd { cases.append(Array(ascii[..<position]) + bytes + ascii[position...]) } }
            for bytes in cases {
                checked += 1
                if UTF8Validation.firstInvalidOffset(bytes) != Self.referenceInvalidOffset(bytes) {
                    mismatches += 1
                    Issue.record("\(bytes): \(String(describing: UTF8Validation.firstInvalidOffset(bytes))), expected \(String(describing: Self.referenceInvalidOffset(bytes)))")
                }
            }
        }
        #expect(checked > 7_000 && mismatches == 0, "\(mismatches) of \(checked)")
    }

    @Test("UTF-8 check ≡ Swift's decoder between multi-byte characters: every lead and second byte, Chinese, Japanese, Cyrillic, Greek, emoji and Hangul cut at every length and changed at every byte")
    func utf8CheckMultibyteRuns() {
        var cases: [[UInt8]] = []
        // Third bytes on both sides of every range edge of Table 3-7; the fourth a continuation byte or not.
        let thirds: [UInt8] = [0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0]
        let before = Array("日本".utf8), after = Array("語 x".utf8)
        for lead in UInt8(0x80)...0xFF {
            for second in UInt8.min...UInt8.max {
                for third in thirds { cases.append(before + [lead, second, third, third & 0xC0 == 0x80 ? 0xBF : 0x41] + after) }
            }
        }
        let run = Array("日本語のテキスト、Кириллица и ελληνικά, 😀🎉 ñ 한국어".utf8)
        for length in 0...run.count { cases.append(Array(run[..<length])) }
        for offset in run.indices {
            for value in thirds + [0x00, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF] {
                var changed = run
                changed[offset] = value
                cases.append(changed)
            }
        }
        let expected = cases.map(Self.referenceInvalidOffset)
        var mismatches = 0
        for (bytes, offset) in zip(cases, expected) where UTF8Validation.firstInvalidOffset(bytes) != offset {
            mismatches += 1
            if mismatches <= 5 { Issue.record("\(bytes): \(String(describing: UTF8Validation.firstInvalidOffset(bytes))), expected \(String(describing: offset))") }
        }
        #expect(cases.count > 250_000 && mismatches == 0, "\(mismatches) of \(cases.count)")
        // The cases can fail: a check that takes surrogates (ED A0–BF) for characters disagrees on some.
        let takingSurrogates = zip(cases, expected).filter { bytes, offset in
            UTF8Validation.firstInvalidOffset(bytes.map { $0 == 0xED ? 0xEC : $0 }) != offset
        }
        #expect(!takingSurrogates.isEmpty)
    }

    @Test("UTF-8 check 32 bytes at a time (AVX2) ≡ Swift's decoder: every lead, second, third and fourth byte class across the 16- and 32-byte edges and at the end; real text cut and changed at every byte",
          .enabled(if: UTF8Validation.vectorCheck(UnsafeBufferPointer(start: nil, count: 0)) != nil, "this CPU has no AVX2"))
    func utf8VectorCheck() {
        var checked = 0, mismatches = 0, invalid = 0
        func check(_ bytes: UnsafeBufferPointer<UInt8>, valid expected: Bool) {
            checked += 1
            if !expected { invalid += 1 }
            guard UTF8Validation.vectorCheck(bytes) != expected else { return }
            mismatches += 1
            if mismatches <= 5 { Issue.record("\(Array(bytes)): vector check says \(!expected), Swift's decoder \(expected)") }
        }
        // Four bytes between ASCII: valid as a whole exactly when they are. Placed so that they straddle the 16-byte
        // lanes' edge and the 32-byte blocks' edge, start the second block, or end the text.
        let thirds: [UInt8] = [0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0]
        var buffer = [UInt8](repeating: 0x61, count: 80)
        for lead in UInt8(0x80)...0xFF {
            for second in UInt8.min...UInt8.max {
                for third in thirds {
                    let core = [lead, second, third, third & 0xC0 == 0x80 ? 0xBF : 0x41]
                    let valid = Self.referenceInvalidOffset(core) == nil
                    for start in [13, 14, 15, 28, 29, 30, 31, 32, 60] {
                        buffer.replaceSubrange(start..<start + 4, with: core)
                        buffer.withUnsafeBufferPointer { all in
                            check(UnsafeBufferPointer(rebasing: all[..<(start + 4)]), valid: valid)
                            check(UnsafeBufferPointer(rebasing: all[..<(start + 9)]), valid: valid)
                        }
                        buffer.replaceSubrange(start..<start + 4, with: [0x61, 0x61, 0x61, 0x61])
                    }
                }
            }
        }
        // Real text in four scripts, cut at every length and changed at every byte.
        let run = Array(String(repeating: "日本語のテキスト、Кириллица и ελληνικά, 😀🎉 ñ 한국어 ", count: 3).utf8)
        var cases = (0...run.count).map { Array(run[..<$0]) }
        for offset in run.indices {
            for value in thirds + [0x00, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF] {
                var changed = run
                changed[offset] = value
                cases.append(changed)
            }
        }
        for bytes in cases {
            let expected = Self.referenceInvalidOffset(bytes)
            bytes.withUnsafeBufferPointer { check($0, valid: expected == nil) }
            // And the whole check, which takes the vector check from 32 bytes on and finds the offset byte by byte.
            if UTF8Validation.firstInvalidOffset(bytes) != expected {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(bytes): \(String(describing: UTF8Validation.firstInvalidOffset(bytes))), expected \(String(describing: expected))") }
            }
        }
        #expect(checked > 4_000_000 && invalid > 4_000_000 && checked - invalid > 50_000 && mismatches == 0,
                "\(mismatches) of \(checked) differ (\(invalid) invalid)")
        // The cases can fail: a check that takes surrogates (ED A0–BF) for characters disagrees on some of them.
        let takingSurrogates = cases.filter { bytes in
            bytes.map { $0 == 0xED ? 0xEC : $0 }.withUnsafeBufferPointer { UTF8Validation.vectorCheck($0) } != (Self.referenceInvalidOffset(bytes) == nil)
        }
        #expect(!takingSurrogates.isEmpty)
    }

    @Test("random ids decode or name the first unknown id", arguments: seeds)
    func randomIDs(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let tokenizer = try Loaded.tokenizer("gpt2")
        for _ in 0..<200 {
            let ids = (0..<Int.random(in: 0...50, using: &random)).map { _ in TokenID.random(in: 0...60000, using: &random) }
            do {
                _ = try tokenizer.decode(ids)
                #expect(ids.allSatisfy { $0 <= 50256 })
            } catch let error {
                let position = ids.firstIndex { $0 > 50256 }
                #expect(error == .unknownID(id: ids[position ?? 0], position: position ?? -1))
            }
        }
    }

    @Test("random and mutated vocabulary files give typed errors, never a crash", arguments: seeds)
    func loaders(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let valid = Array(VocabularyFileTests.smallFile().utf8)
        let hf = Array(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}, "pre_tokenizer": {"type": "ByteLevel"}}"#.utf8)
        for round in 0..<150 {
            var tiktoken = valid
            var json = hf
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                tiktoken[Int.random(in: 0..<tiktoken.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                json[Int.random(in: 0..<json.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if round % 10 == 0 {
                tiktoken = (0..<200).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            do { _ = try TiktokenFile.parse(tiktoken, path: "fuzz.tiktoken") } catch { _ = error.description }
            do { _ = try HuggingFaceTokenizerFile.parse(json, path: "fuzz.json") } catch { _ = error.description }
        }
    }
}
