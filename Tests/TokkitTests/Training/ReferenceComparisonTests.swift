import Testing
import Tokkit

@Suite("Fast trainer equals the reference trainer")
struct ReferenceComparisonTests {
    /// A random corpus over a small alphabet (so ties and repeats like `abab`/`aaaa` are common)
    /// mixing ASCII, newline, multi-byte UTF-8 and an invalid byte.
    static func corpus(seed: UInt64) -> [([UInt8], UInt64)] {
        var generator = SplitMix64(seed: seed)
        let alphabets: [[[UInt8]]] = [
            [[0x61], [0x62]],
            [[0x61], [0x62], [0x63], [0x20]],
            [[0x61], [0x62], [0x0A], [0x20], [0xC3, 0xA9], [0x7A]],
            [[0x78], [0x79], [0x7A], [0x21], [0xE2, 0x82, 0xAC], [0x09], [0xFF]],
        ]
        let alphabet = alphabets[Int(seed % UInt64(alphabets.count))]
        var counts: [[UInt8]: UInt64] = [:]
        for _ in 0..<Int.random(in: 5...40, using: &generator) {
            var word: [UInt8] = []
            for _ in 0..<Int.random(in: 1...14, using: &generator) {
                word += alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
            }
            counts[word, default: 0] += UInt64.random(in: 1...6, using: &generator)
        }
        return counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
    }

    static func configuration(seed: UInt64, policy: TiePolicy) -> TrainerConfiguration {
        var generator = SplitMix64(seed: seed ^ 0xABCD)
        return TrainerConfiguration(
            vocabularySize: 256 + Int.random(in: 1...80, using: &generator),
            minFrequency: [0, 0, 2, 3].randomElement(using: &generator) ?? 0,
            maxTokenLength: [nil, nil, 3, 5].randomElement(using: &generator) ?? nil,
            tiePolicy: policy)
    }

    @Test("on 400 seeded random corpora, with both tie policies", arguments: TiePolicy.allCases)
    func randomCorpora(policy: TiePolicy) throws {
        for seed in UInt64(0)..<400 {
            let corpus = Self.corpus(seed: seed)
            let configuration = Self.configuration(seed: seed, policy: policy)
            var counts = WordCounts()
            for (word, count) in corpus { try counts.add(word, count: count) }
            let fast = try BPETrainer(configuration).train(counts)
            let slow = ReferenceTrainer(configuration: configuration).train(corpus)
            #expect(fast == slow, "seed \(seed): \(fast.mergeStrings) vs \(slow.mergeStrings)")
            #expect(Set(fast.tokens).count == fast.tokens.count)
        }
    }

    @Test("trains identically from counts built and merged in different orders")
    func mergeOrderDeterminism() throws {
        for seed in UInt64(0)..<20 {
            var generator = SplitMix64(seed: seed)
            let corpus = Self.corpus(seed: seed)
            var whole = WordCounts()
            for (word, count) in corpus { try whole.add(word, count: count) }
            var shards = [WordCounts(), WordCounts(), WordCounts(), WordCounts()]
            for (word, count) in corpus.shuffled(using: &generator) {
                // Split a count over shards too: only the sums matter.
                let first = UInt64.random(in: 0...count, using: &generator)
                if first > 0 { try shards[Int.random(in: 0..<4, using: &generator)].add(word, count: first) }
                if count - first > 0 { try shards[Int.random(in: 0..<4, using: &generator)].add(word, count: count - first) }
            }
            var merged = WordCounts()
            for shard in shards.shuffled(using: &generator) { try merged.merge(shard) }
            for policy in TiePolicy.allCases {
                let configuration = TrainerConfiguration(vocabularySize: 400, tiePolicy: policy)
                #expect(try BPETrainer(configuration).train(whole) == BPETrainer(configuration).train(merged))
            }
            #expect(whole.serialized() == merged.serialized())
        }
    }
}
