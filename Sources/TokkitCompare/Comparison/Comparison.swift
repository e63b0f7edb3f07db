import TokkitCore

/// Several tokenizers run over the same files: ids, round trips, timings, and the metrics derived.
///
/// ```swift
/// let files = try ComparedFile.collect(["fixtures"])
/// let comparison = try Comparison.run([ComparedTokenizer(label: "gpt2", codec: gpt2),
///                                      ComparedTokenizer(label: "cl100k_base", codec: cl100k)], on: files)
/// comparison.totals(tokenizer: 0).bytesPerToken   // GPT-2's compression over all fixtures
/// comparison.ranking                              // tokenizer indices, fewest tokens first
/// ```
public struct Comparison: Sendable {
    /// What one tokenizer did with one file.
    public struct Encoding: Sendable {
        public var ids: [TokenID]
        public var roundTrip: RoundTripOutcome
        /// Seconds per encode (the mean over repeated runs), when timed.
        public var seconds: Double?
    }

    public let tokenizers: [ComparedTokenizer]
    public let files: [ComparedFile]
    /// `encodings[tokenizer][file]`.
    public let encodings: [[Encoding]]

    /// Encodes every file with every tokenizer, checks each round trip, and optionally times the encodes.
    ///
    /// - Parameter timing: time each encode by repeating it until this much time has passed (at least
    ///   once), or `nil` for no timing and output that is the same on every run. Files are encoded one
    ///   at a time, so that timings do not compete with each other for cores.
    /// - Throws: `CompareError.encodingFailed` naming the tokenizer and file. A decoding failure is not
    ///   thrown: it is a failed round trip.
    /// - Complexity: O(tokenizers × total bytes), plus the timing budget per pair.
    public static func run(_ tokenizers: [ComparedTokenizer], on files: [ComparedFile],
                           timing: Duration? = nil) throws(CompareError) -> Comparison {
        guard !tokenizers.isEmpty else { throw .noTokenizers }
        var encodings: [[Encoding]] = []
        for tokenizer in tokenizers {
            var row: [Encoding] = []
            for file in files {
                let ids: [TokenID]
                do {
                    ids = try tokenizer.codec.encodeOrdinary(bytes: file.bytes, lossy: false)
                } catch {
                    throw .encodingFailed(tokenizer: tokenizer.label, file: file.name, reason: "\(error)")
                }
                let seconds = timing.map { time(tokenizer.codec, file.bytes, budget: $0) }
                row.append(Encoding(ids: ids, roundTrip: RoundTripOutcome.check(file.bytes, ids: ids, codec: tokenizer.codec),
                                    seconds: seconds))
            }
            encodings.append(row)
        }
        return Comparison(tokenizers: tokenizers, files: files, encodings: encodings)
    }

    /// Mean seconds per encode, repeating until `budget` has passed. The input was encoded once
    /// already, so errors cannot occur here; a failing run would only shorten the measurement.
    private static func time(_ codec: any TokenCodec, _ bytes: [UInt8], budget: Duration) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var runs = 0
        repeat {
            _ = try? codec.encodeOrdinary(bytes: bytes, lossy: false)
            runs += 1
        } while clock.now - start < budget
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return seconds / Double(runs)
    }

    /// The metrics of one tokenizer on one file.
    public func metrics(tokenizer: Int, file: Int) -> TokenMetrics {
        let encoding = encodings[tokenizer][file]
        let vocabulary = tokenizers[tokenizer].codec.vocabulary
        let distinct = Set(encoding.ids)
        return TokenMetrics(text: files[file].measure, tokens: encoding.ids.count, distinctIDs: distinct.count,
                            vocabularySize: vocabulary.size, longestToken: Self.longest(distinct, in: vocabulary),
                            roundTripsPassed: encoding.roundTrip == .exact ? 1 : 0, roundTripsChecked: 1,
                            encodeSeconds: encoding.seconds)
    }

    /// The metrics of one tokenizer over all files together: sums, ratios of sums (not means of
    /// ratios, so long files weigh more), and the vocabulary share of all files' ids together.
    public func totals(tokenizer: Int) -> TokenMetrics {
        let vocabulary = tokenizers[tokenizer].codec.vocabulary
        var distinct = Set<TokenID>()
        var text = TextMeasure(bytes: 0, characters: 0, words: 0)
        var tokens = 0
        var passed = 0
        var seconds: Double? = 0
        for (file, encoding) in encodings[tokenizer].enumerated() {
            distinct.formUnion(encoding.ids)
            text = text + files[file].measure
            tokens += encoding.ids.count
            if encoding.roundTrip == .exact { passed += 1 }
            seconds = seconds.flatMap { total in encoding.seconds.map { total + $0 } }
        }
        return TokenMetrics(text: text, tokens: tokens, distinctIDs: distinct.count, vocabularySize: vocabulary.size,
                            longestToken: Self.longest(distinct, in: vocabulary), roundTripsPassed: passed,
                            roundTripsChecked: files.count, encodeSeconds: files.isEmpty ? nil : seconds)
    }

    /// Tokenizer indices, fewest total tokens first (the best compression of these files); ties keep
    /// the order the tokenizers were given in.
    public var ranking: [Int] {
        let totals = tokenizers.indices.map { index in encodings[index].reduce(0) { $0 + $1.ids.count } }
        return tokenizers.indices.sorted { totals[$0] != totals[$1] ? totals[$0] < totals[$1] : $0 < $1 }
    }

    private static func longest(_ ids: Set<TokenID>, in vocabulary: Vocabulary) -> LongestToken? {
        var best: LongestToken?
        for id in ids {
            guard let bytes = vocabulary.bytes(of: id) else { continue }
            best = LongestToken.longer(best, LongestToken(id: id, bytes: bytes))
        }
        return best
    }
}

/// Whether decoding a file's ids gave back its bytes.
public enum RoundTripOutcome: Sendable, Equatable {
    case exact
    /// The decoded bytes first differ at this offset (or one is a prefix of the other, and the
    /// offset is the shorter length).
    case differs(offset: Int)
    case decodingFailed(reason: String)

    /// Decodes `ids` with `codec` and compares the bytes with `original`.
    public static func check(_ original: [UInt8], ids: [TokenID], codec: any TokenCodec) -> RoundTripOutcome {
        let decoded: [UInt8]
        do {
            decoded = try codec.decodeBytes(ids)
        } catch {
            return .decodingFailed(reason: "\(error)")
        }
        guard decoded != original else { return .exact }
        let offset = zip(decoded, original).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(decoded.count, original.count)
        return .differs(offset: offset)
    }
}
