import Tokkit

/// The obviously-correct trainer the fast one is compared against: recount every pair of every
/// word from scratch before each merge, take the argmax, replace occurrences left to right.
///
/// O(merges × corpus): only for small seeded corpora. It shares nothing with `MergeEngine` except
/// the rules it is meant to state plainly.
struct ReferenceTrainer {
    var configuration: TrainerConfiguration

    func train(_ corpus: [([UInt8], UInt64)]) -> TrainedVocabulary {
        let byteOrder: [UInt8] = configuration.tiePolicy == .hf
            ? ByteLevelAlphabet.gpt2Order : (0...255).map { UInt8($0) }
        var tokens: [[UInt8]] = byteOrder.map { [$0] }
        var idOf: [[UInt8]: UInt32] = [:]
        for (id, token) in tokens.enumerated() { idOf[token] = UInt32(id) }
        var words: [([UInt32], UInt64)] = corpus.map { word, count in (word.map { idOf[[$0]]! }, count) }
        let limit = configuration.vocabularySize - configuration.specialTokens.count
        let maxLength = configuration.maxTokenLength ?? Int.max
        let threshold = max(1, configuration.minFrequency)
        var merges: [TrainedVocabulary.Merge] = []

        while tokens.count < limit {
            var counts: [UInt64: UInt64] = [:]
            for (symbols, count) in words where symbols.count >= 2 {
                for index in 0..<(symbols.count - 1) {
                    let (left, right) = (symbols[index], symbols[index + 1])
                    guard tokens[Int(left)].count + tokens[Int(right)].count <= maxLength else { continue }
                    counts[UInt64(left) << 32 | UInt64(right), default: 0] += count
                }
            }
            // Highest count; ties → smaller left id, then smaller right id (= smaller packed pair).
            guard let best = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
                  best.value >= threshold else { break }
            let left = UInt32(best.key >> 32), right = UInt32(best.key & 0xFFFF_FFFF)
            let bytes = tokens[Int(left)] + tokens[Int(right)]
            let result: UInt32
            if let existing = idOf[bytes] {
                result = existing
            } else {
                result = UInt32(tokens.count)
                idOf[bytes] = result
                tokens.append(bytes)
            }
            merges.append(.init(left: left, right: right, result: result))
            for index in words.indices {
                var merged: [UInt32] = []
                let symbols = words[index].0
                var position = 0
                while position < symbols.count {
                    if position + 1 < symbols.count, symbols[position] == left, symbols[position + 1] == right {
                        merged.append(result)
                        position += 2
                    } else {
                        merged.append(symbols[position])
                        position += 1
                    }
                }
                words[index].0 = merged
            }
        }
        let specials = configuration.specialTokens
        let first = TokenID(configuration.specialsFirst ? specials.count : 0)
        let specialBase = configuration.specialsFirst ? 0 : TokenID(tokens.count)
        return TrainedVocabulary(
            tokens: tokens, firstTokenID: first,
            merges: merges.map { .init(left: $0.left + first, right: $0.right + first, result: $0.result + first) },
            specialTokens: specials.enumerated().map { .init(bytes: $1, id: specialBase + TokenID($0)) })
    }
}

extension TrainedVocabulary {
    /// The merges as readable strings, e.g. `["a+a", "a+b"]` (tests only; bytes shown as UTF-8).
    var mergeStrings: [String] {
        mergedBytes.map { String(decoding: $0.left, as: UTF8.self) + "+" + String(decoding: $0.right, as: UTF8.self) }
    }
}

/// Word counts from `(text, count)` pairs.
func wordCounts(_ words: [(String, UInt64)]) throws -> WordCounts {
    var counts = WordCounts()
    for (text, count) in words { try counts.add(Array(text.utf8), count: count) }
    return counts
}
