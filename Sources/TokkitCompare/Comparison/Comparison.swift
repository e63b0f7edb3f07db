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

    /// How one tokenizer's encodes were timed: rounds over all files together.
    public struct Timing: Sendable, Equatable {
        /// Rounds run; each encodes every file once, in order.
        public var rounds: Int
        /// Wall-clock seconds of all rounds together.
        public var seconds: Double
        /// The least time the rounds had to fill.
        public var budget: Duration
    }

    public let tokenizers: [ComparedTokenizer]
    public let files: [ComparedFile]
    /// `encodings[tokenizer][file]`.
    public let encodings: [[Encoding]]
    /// `timings[tokenizer]`, when timed.
    public var timings: [Timing?] = []

    /// Encodes every file with every tokenizer, checks each round trip, and optionally times the encodes.
    ///
    /// - Parameter timing: for each tokenizer, encode all files together, round after round, until this
    ///   much time has passed (at least one round), or `nil` for no timing and output that is the same on
    ///   every run. Why all files together: timing each small file alone for a few milliseconds measured
    ///   the clock and the caches more than the encoder (the same tokenizer showed 0.1 to 10 MB/s across
    ///   fixtures); a round over every file is long enough to time, and each file's share is the sum
    ///   of its own encodes over all rounds. Tokenizers are timed one after another, never at once.
    /// - Throws: `CompareError.encodingFailed` naming the tokenizer and file. A decoding failure is not
    ///   thrown: it is a failed round trip.
    /// - Complexity: O(tokenizers × total bytes), plus the timing budget per pair.
    public static func run(_ tokenizers: [ComparedTokenizer], on files: [ComparedFile],
                           timing: Duration? = nil) throws(CompareError) -> Comparison {
        guard !tokenizers.isEmpty else { throw .noTokenizers }
        var encodings: [[Encoding]] = []
        var timings: [Timing?] = []
        for tokenizer in tokenizers {
            var row: [Encoding] = []
            for file in files {
                let ids: [TokenID]
                do {
                    ids = try tokenizer.codec.encodeOrdinary(bytes: file.bytes, lossy: false)
                } catch {
                    throw .encodingFailed(tokenizer: tokenizer.label, file: file.name, reason: "\(error)")
                }
                row.append(Encoding(ids: ids, roundTrip: RoundTripOutcome.check(file.bytes, ids: ids, codec: tokenizer.codec),
                                    seconds: nil))
            }
            // The untimed pass above warmed the caches; now the rounds.
            if let timing {
                let (perFile, measured) = time(tokenizer.codec, files, budget: timing)
                for index in row.indices { row[index].seconds = perFile[index] }
                timings.append(measured)
            } else {
                timings.append(nil)
            }
            encodings.append(row)
        }
        var comparison = Comparison(tokenizers: tokenizers, files: files, encodings: encodings)
        comparison.timings = timings
        return comparison
    }

    /// Encodes every file once per round until `budget` has passed; returns each file's mean seconds
    /// per encode and the whole measurement. The inputs were encoded once already, so errors cannot
    /// occur here; a failing encode would only shorten the measurement.
    private static func time(_ codec: any TokenCodec, _ files: [ComparedFile], budget: Duration) -> ([Double], Timing) {
        let clock = ContinuousClock()
        var perFile = [Duration](repeating: .zero, count: files.count)
        let start = clock.now
        var rounds = 0
        repeat {
            for (index, file) in files.enumerated() {
                let fileStart = clock.now
                _ = try? codec.encodeOrdinary(bytes: file.bytes, lossy: false)
                perFile[index] += clock.now - fileStart
            }
            rounds += 1
        } while clock.now - start < budget
        let means = perFile.map { Self.seconds($0) / Double(rounds) }
        return (means, Timing(rounds: rounds, seconds: Self.seconds(clock.now - start), budget: budget))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// One sentence on how the MB/s column was measured, for every report that shows it.
    public var timingNote: String? {
        let measured = timings.enumerated().compactMap { index, timing in timing.map { (tokenizers[index].label, $0) } }
        guard let first = measured.first?.1 else { return nil }
        let bytes = files.reduce(0) { $0 + $1.bytes.count }
        let budget = Double(first.budget.components.seconds) * 1e3 + Double(first.budget.components.attoseconds) * 1e-15
        let rounds = measured.map { "\($0.0) \($0.1.rounds) round\($0.1.rounds == 1 ? "" : "s") in \(String(format: "%.2f", $0.1.seconds)) s" }
        return "encode MB/s: each tokenizer encoded all \(files.count) files (\(bytes) bytes) together, round after round, "
            + "for at least \(String(format: "%.0f", budget)) ms, one tokenizer at a time, one thread (\(rounds.joined(separator: "; "))); "
            + "a file's MB/s is its bytes over the mean time of its own encodes, the total's is all bytes over the mean time of a round"
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
